// JSON-schema validation of OCPP 1.6 and 2.0.1 payloads against the official OCA schemas, as
// shipped by typed-ocpp (its `ocpp20` folder holds the 2.0.1 schemas). Only the schema objects are imported: typed-ocpp's entry point compiles every
// 1.6, 2.0.1 and 2.1 schema into its own Ajv at import time (about 3 s on our machines) and
// that Ajv uses removeAdditional, which would silently drop unknown fields instead of
// reporting them (J-errata 3.1: inner objects have additionalProperties false).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import * as schemas16 from 'typed-ocpp/dist/ocpp16/schemas.js';
import * as schemas201 from 'typed-ocpp/dist/ocpp20/schemas.js';
import { CENTRAL_TO_CHARGER_ACTIONS, CHARGER_TO_CENTRAL_ACTIONS } from './actions16.ts';
import { CSMS_TO_STATION_ACTIONS_201, STATION_TO_CSMS_ACTIONS_201 } from './actions201.ts';
import type { ErrorCode16 } from './errors.ts';
import type { OcppVersion } from './versions.ts';

export { CENTRAL_TO_CHARGER_ACTIONS, CHARGER_TO_CENTRAL_ACTIONS, CSMS_TO_STATION_ACTIONS_201, STATION_TO_CSMS_ACTIONS_201 };

export type Validation =
  | { ok: true }
  | { ok: false; code: ErrorCode16; message: string; errors: Array<{ path: string; message: string }> };

/**
 * Who wrote the payload. A peer's timestamps may lack a UTC offset and are still accepted
 * (refusing a StopTransaction over its timestamp format would make the charger retry it
 * forever); ours must be full RFC 3339, as OCPP-J 1.6 §4.1.2 asks.
 */
export type PayloadSource = 'peer' | 'local';

export interface OcppValidator {
  readonly version: OcppVersion;
  validateRequest(action: string, payload: unknown, source?: PayloadSource): Validation;
  validateResponse(action: string, payload: unknown, source?: PayloadSource): Validation;
  isKnownAction(action: string): boolean;
  /** a Charge Point may send this action as a CALL */
  isChargerAction(action: string): boolean;
  /** the Central System may send this action as a CALL */
  isCentralAction(action: string): boolean;
}

const OK: Validation = Object.freeze({ ok: true });

interface SchemaSet {
  version: OcppVersion;
  schemas: Readonly<Record<string, object>>;
  chargerActions: ReadonlySet<string>;
  centralActions: ReadonlySet<string>;
}

const SETS: Record<OcppVersion, SchemaSet> = {
  '1.6': { version: '1.6', schemas: schemas16, chargerActions: new Set(CHARGER_TO_CENTRAL_ACTIONS), centralActions: new Set(CENTRAL_TO_CHARGER_ACTIONS) },
  '2.0.1': { version: '2.0.1', schemas: schemas201, chargerActions: new Set(STATION_TO_CSMS_ACTIONS_201), centralActions: new Set(CSMS_TO_STATION_ACTIONS_201) },
};

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = ajvFormats.default;

function createAjv(source: PayloadSource): Ajv {
  const ajv = new Ajv({
    // The OCA 1.6 schemas are not strict-clean (additionalProperties on string enums,
    // additionalItems beside a single-schema items): both are harmless no-ops, but strict
    // mode refuses to compile them.
    strict: false,
    // First error only: cheaper, and allErrors on untrusted input is a known DoS vector.
    allErrors: false,
    // The schemas' `multipleOf: 0.1` (charging limits) fails on valid decimals in binary
    // floating point (22.2 / 0.1 = 221.99999999999997); compare with a tolerance instead.
    multipleOfPrecision: 9,
    // What we send must survive JSON: Infinity (an API body's 1e309 after JSON.parse) passes
    // Ajv's integer and number checks otherwise and would go out as null. A charger's own
    // huge numbers are left to the handlers' range checks (PropertyConstraintViolation).
    strictNumbers: source === 'local',
  });
  addFormats(ajv, ['date-time', 'uri']);
  if (source === 'peer') ajv.addFormat('date-time', addFormats.get('iso-date-time'));
  return ajv;
}

// Ajv >= 8.15 rejects the 1.6 schemas' `urn:OCPP:...` ids and does not know draft-04's
// $schema URI. typed-ocpp 1.6.2 already strips both; this keeps a future version that ships
// them from breaking startup.
function compilable(schema: object): object {
  if (!('$id' in schema) && !('$schema' in schema)) return schema;
  const { $id: _id, $schema: _schema, ...rest } = schema as Record<string, unknown>;
  return rest;
}

// Compiled lazily, once per process per version, schema and source. Measured on the 2-core
// dev machine: Ajv's first compile costs about 60 ms, each later one 1-3 ms, all that one role
// needs (precompileOcpp16Schemas) about 150 ms. One Ajv per source serves both versions: the
// schemas are compiled without their $id, so same-named schemas of two versions cannot clash.
const ajvs: Record<PayloadSource, Ajv | null> = { peer: null, local: null };
const compiled = new Map<string, ValidateFunction>();

function validatorFor(set: SchemaSet, schemaName: string, source: PayloadSource): ValidateFunction | null {
  const key = `${set.version}/${source}/${schemaName}`;
  let fn = compiled.get(key);
  if (fn) return fn;
  if (!Object.hasOwn(set.schemas, schemaName)) return null;
  const ajv = (ajvs[source] ??= createAjv(source));
  fn = ajv.compile(compilable(set.schemas[schemaName]));
  compiled.set(key, fn);
  return fn;
}

/** OCPP-J 1.6 §4.2.3 Table 7, applied to JSON-schema keywords. */
export function errorCodeForKeyword(keyword: string): ErrorCode16 {
  switch (keyword) {
    case 'type':
      return 'TypeConstraintViolation';
    // An array's item count is how often its element occurs, hence minItems/maxItems here.
    case 'required':
    case 'dependencies':
    case 'dependentRequired':
    case 'minItems':
    case 'maxItems':
      return 'OccurenceConstraintViolation';
    case 'maxLength':
    case 'minLength':
    case 'enum':
    case 'format':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'pattern':
    case 'const':
    case 'multipleOf':
      return 'PropertyConstraintViolation';
    default:
      // additionalProperties, additionalItems and the rest: the payload's shape is wrong.
      return 'FormationViolation';
  }
}

function describe(error: ErrorObject): { path: string; message: string } {
  const params = error.params as Record<string, unknown>;
  let path = error.instancePath;
  let message = error.message ?? error.keyword;
  if (error.keyword === 'required') {
    path += `/${String(params.missingProperty)}`;
    message = 'is required';
  } else if (error.keyword === 'additionalProperties') {
    path += `/${String(params.additionalProperty)}`;
    message = 'is not allowed by the schema';
  } else if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    message = `must be one of: ${params.allowedValues.join(', ')}`;
  }
  return { path: path || '/', message };
}

function run(set: SchemaSet, schemaName: string, payload: unknown, source: PayloadSource): Validation {
  const fn = validatorFor(set, schemaName, source);
  if (!fn) {
    return {
      ok: false,
      code: 'NotImplemented',
      message: `No OCPP ${set.version} schema ${schemaName}`,
      errors: [],
    };
  }
  if (fn(payload)) return OK;
  const raw = fn.errors ?? [];
  const errors = raw.map(describe);
  const first = errors[0] ?? { path: '/', message: 'is invalid' };
  return {
    ok: false,
    code: raw.length > 0 ? errorCodeForKeyword(raw[0].keyword) : 'FormationViolation',
    message: `${schemaName}: ${first.path} ${first.message}`,
    errors,
  };
}

function validatorOf(set: SchemaSet): OcppValidator {
  return {
    version: set.version,
    validateRequest(action, payload, source = 'peer') {
      return run(set, `${action}Request`, payload, source);
    },
    validateResponse(action, payload, source = 'peer') {
      return run(set, `${action}Response`, payload, source);
    },
    isKnownAction(action) {
      return set.chargerActions.has(action) || set.centralActions.has(action);
    },
    isChargerAction(action) {
      return set.chargerActions.has(action);
    },
    isCentralAction(action) {
      return set.centralActions.has(action);
    },
  };
}

export const ocpp16Validator: OcppValidator = validatorOf(SETS['1.6']);
export const ocpp201Validator: OcppValidator = validatorOf(SETS['2.0.1']);

/** The validator of a negotiated version. */
export function validatorForVersion(version: OcppVersion): OcppValidator {
  return version === '2.0.1' ? ocpp201Validator : ocpp16Validator;
}

/**
 * Compiles now, rather than on first use, the schemas one end of the link needs: what its
 * peer sends checked leniently, what it sends itself checked strictly.
 */
export function precompileOcpp16Schemas(role: 'central' | 'charger' = 'central', version: OcppVersion = '1.6'): void {
  const set = SETS[version];
  const central = role === 'central';
  const mine = central ? set.centralActions : set.chargerActions;
  const theirs = central ? set.chargerActions : set.centralActions;
  for (const action of theirs) {
    validatorFor(set, `${action}Request`, 'peer');
    validatorFor(set, `${action}Response`, 'local');
  }
  for (const action of mine) {
    validatorFor(set, `${action}Request`, 'local');
    validatorFor(set, `${action}Response`, 'peer');
  }
}
