/** What only the Nest tests need, beside `@tollgate/test-kit`: a real Nest app on a free port. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

export interface Running {
  readonly url: string;
  readonly app: INestApplication;
  close(): Promise<void>;
}

/** A real Nest app (Express platform, no body parser of Nest's) listening on 127.0.0.1, on a free port. */
export async function start(module: Type<unknown>, options: { bodyParser?: boolean } = {}): Promise<Running> {
  const app = await NestFactory.create(module, {
    bodyParser: options.bodyParser ?? false,
    logger: false,
    forceCloseConnections: true,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, app, close: () => app.close() };
}
