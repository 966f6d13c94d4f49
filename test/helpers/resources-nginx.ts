// A tiny nginx instance for the resources e2e tests: its own configuration,
// pid file, logs and temp paths in a temp directory, so that several
// instances (one per namespace) never touch /etc/nginx or each other. The
// returned env is what the shipped LSB script reads (NGINX_CONF, NGINX_PIDFILE).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NginxInstance {
  readonly dir: string;
  readonly conf: string;
  readonly pidFile: string;
  readonly body: string;
  readonly env: Readonly<Record<string, string>>;
}

export function writeNginxInstance(dir: string, listen: string, body: string): NginxInstance {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'nginx.conf');
  const pidFile = join(dir, 'nginx.pid');
  writeFileSync(
    conf,
    `error_log ${dir}/error.log;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen ${listen};
    location / { return 200 "${body}\\n"; }
  }
}
`,
  );
  return { dir, conf, pidFile, body, env: { NGINX_CONF: conf, NGINX_PIDFILE: pidFile } };
}
