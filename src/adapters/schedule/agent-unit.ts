/**
 * Fleet mode's service: `cert-wrap agent` runs all the time (it wakes itself
 * when a certificate is due), restarted by systemd if it dies. Pure.
 */
import { execStart, readWritePath, type Sandbox, UNIT_DIR } from './render.js';

export const AGENT_UNIT = 'cert-wrap-agent.service';
export const AGENT_ENABLE_COMMAND = `systemctl daemon-reload && systemctl enable --now ${AGENT_UNIT}`;

export function agentUnit(command: readonly string[], sandbox: Sandbox = { writablePaths: [] }): string {
  return [
    '[Unit]',
    'Description=cert-wrap fleet agent (installs the fleet certificates; orders them while it leads)',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${execStart(command)}`,
    '# SIGHUP: re-read the config (certificates added or changed are ordered then).',
    'ExecReload=/bin/kill -HUP $MAINPID',
    '# SIGTERM goes to the agent alone: it stops its certbot, resigns the leadership and exits.',
    'KillMode=mixed',
    'TimeoutStopSec=30',
    'Restart=always',
    'RestartSec=5',
    'PrivateTmp=true',
    'ProtectSystem=full',
    ...sandbox.writablePaths.map((p) => `ReadWritePaths=${readWritePath(p)}`),
    'NoNewPrivileges=true',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export function agentPrintout(unit: string): string {
  return [`# ==> ${UNIT_DIR}/${AGENT_UNIT} <==`, unit].join('\n');
}
