import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { sanNames } from '../src/leaves/x509.js';

export interface PeerCertificateOptions {
  host: string;
  port: number;
  /** SNI name sent in the ClientHello. */
  servername: string;
  timeoutMs?: number;
}

/**
 * Complete one TLS handshake (no verification: the point is to see which
 * certificate the server presents) and return the leaf certificate it sent.
 */
export function peerCertificate(opts: PeerCertificateOptions): Promise<X509Certificate> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: opts.host,
      port: opts.port,
      servername: opts.servername,
      rejectUnauthorized: false,
    });
    const fail = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`TLS handshake with ${opts.host}:${opts.port} (SNI ${opts.servername}) timed out after ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      socket.end();
      socket.destroy();
      if (peer === null || peer.raw === undefined) {
        reject(new Error(`${opts.host}:${opts.port} (SNI ${opts.servername}) presented no certificate`));
        return;
      }
      try {
        resolve(new X509Certificate(peer.raw));
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

/** The certificate's DNS names (src/leaves/x509.ts reads them), sorted. */
export function dnsNames(cert: X509Certificate): string[] {
  return sanNames(cert.subjectAltName).sort();
}
