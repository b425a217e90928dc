// Station detail: a header that is always there (identity, connection, registration) and tabs.
import { api } from '../api/client.ts';
import { useStation } from '../api/queries.ts';
import { AdminOnly } from '../lib/auth.tsx';
import { useCommand } from '../lib/command.ts';
import { setParams, useLocation, Link } from '../lib/router.tsx';
import { Badge, ErrorBox, Loading, Online, Tabs } from '../components/ui.tsx';
import { ApiError } from '../api/client.ts';
import { StationSummary } from './station/summary.tsx';
import { StationActions } from './station/actions.tsx';
import { StationConfiguration } from './station/configuration.tsx';
import { StationMessages } from './station/messages.tsx';
import { StationHistory } from './station/history.tsx';
import { StationSessions } from './station/sessions.tsx';
import { StationFirmware } from './station/firmware.tsx';
import { StationReservations } from './station/reservations.tsx';
import { StationLocalList } from './station/local-list.tsx';
import { StationChargingProfiles } from './station/charging-profiles.tsx';
import { StationCertificates } from './station/certificates.tsx';
import { StationSecurity } from './station/security.tsx';
import { StationDeviceModel } from './station/device-model.tsx';

const TABS: Array<[string, string]> = [
  ['summary', 'Summary'],
  ['actions', 'Actions'],
  ['configuration', 'Configuration'],
  ['messages', 'Message log'],
  ['history', 'Status history'],
  ['sessions', 'Sessions'],
  ['firmware', 'Firmware & diagnostics'],
  ['reservations', 'Reservations'],
  ['local-list', 'Local list'],
  ['charging', 'Charging profiles'],
  ['certificates', 'Certificates'],
  ['security', 'Security events & logs'],
];

export function StationPage({ id }: { id: string }) {
  const { params } = useLocation();
  const tab = params.get('tab') ?? 'summary';
  const station = useStation(id);
  const decide = useCommand((verdict: 'accept' | 'reject') => api(`/stations/${encodeURIComponent(id)}/${verdict}`, { method: 'POST' }), [['station', id], ['stations']]);

  if (!station.data) {
    if (station.isError) {
      const missing = station.error instanceof ApiError && station.error.status === 404;
      return missing ? (
        <div className="empty">
          <h1>No station {id}</h1>
          <p>
            It is not registered. <Link to="/stations">All stations</Link>
          </p>
        </div>
      ) : (
        <ErrorBox error={station.error} retry={() => void station.refetch()} />
      );
    }
    return <Loading rows={6} />;
  }
  const s = station.data;
  return (
    <>
      <div className="page-head station-head">
        <div>
          <div className="crumbs">
            <Link to="/stations">Stations</Link> /
          </div>
          <h1>{s.id}</h1>
          <div className="muted">
            {[s.vendor, s.model].filter(Boolean).join(' ') || 'has not booted yet'}
            {s.firmwareVersion ? ` · firmware ${s.firmwareVersion}` : ''}
          </div>
        </div>
        <div className="head-badges">
          <Online connected={s.connected} />
          <Badge value={s.registrationStatus} />
          {s.registrationStatus !== 'Accepted' && (
            <AdminOnly>
              <button type="button" className="primary" disabled={decide.pending} onClick={() => void decide.run('accept')}>
                Accept
              </button>
            </AdminOnly>
          )}
          {s.registrationStatus === 'Pending' && (
            <AdminOnly>
              <button type="button" className="danger" disabled={decide.pending} onClick={() => void decide.run('reject')}>
                Reject
              </button>
            </AdminOnly>
          )}
        </div>
      </div>
      {decide.result && !decide.result.ok && <ErrorBox error={decide.result.error} />}
      <Tabs tabs={s.ocppProtocol === 'ocpp2.0.1' ? [...TABS, ['device-model', 'Device model']] : TABS} current={tab} onChange={(t) => setParams({ tab: t === 'summary' ? null : t }, { push: true })} />
      <div className="tab-panel">
        {tab === 'summary' && <StationSummary station={s} />}
        {tab === 'actions' && <StationActions station={s} />}
        {tab === 'configuration' && <StationConfiguration station={s} />}
        {tab === 'messages' && <StationMessages id={s.id} />}
        {tab === 'history' && <StationHistory station={s} />}
        {tab === 'sessions' && <StationSessions id={s.id} />}
        {tab === 'firmware' && <StationFirmware station={s} />}
        {tab === 'reservations' && <StationReservations station={s} />}
        {tab === 'local-list' && <StationLocalList station={s} />}
        {tab === 'charging' && <StationChargingProfiles station={s} />}
        {tab === 'certificates' && <StationCertificates station={s} />}
        {tab === 'security' && <StationSecurity station={s} />}
        {tab === 'device-model' && <StationDeviceModel station={s} />}
      </div>
    </>
  );
}
