import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createEmbeddedFhirServer,
  type EmbeddedFhirServer,
  type EmbeddedFhirServerOptions,
} from './embedded-fhir-server.js';

export interface StandaloneFhirServer {
  /** FHIR base URL, e.g. `http://127.0.0.1:43121/fhir`. */
  url: string;
  /** The embedded server behind it (repo, seed, clear). */
  fhir: EmbeddedFhirServer;
  close(): Promise<void>;
}

/**
 * Starts the embedded FHIR server on its own express app at `http://127.0.0.1:<port>/fhir`
 * (port 0: any free port). For tests and local tools.
 */
export async function startStandaloneFhirServer(
  port = 0,
  options: Omit<EmbeddedFhirServerOptions, 'baseUrl'> = {},
): Promise<StandaloneFhirServer> {
  const app = express();
  app.disable('x-powered-by');
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port: actualPort } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${actualPort}/fhir`;
  const fhir = createEmbeddedFhirServer({ ...options, baseUrl: url });
  app.use('/fhir', fhir.router);

  return {
    url,
    fhir,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
