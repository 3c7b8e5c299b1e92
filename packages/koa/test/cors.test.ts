/** CORS over real HTTP on Koa: the shared cases (@tollgate/test-kit/cors) against createTollgateKoa. */
import { demoTollgate, listen } from '@tollgate/test-kit';
import { describeCors } from '@tollgate/test-kit/cors';
import Koa from 'koa';
import { createTollgateKoa } from '../src/index.js';

describeCors('Koa', async (cors) => {
  const tg = createTollgateKoa(await demoTollgate(), {
    profiles: ['token-pair', 'uat-jwt', 'delegated-login', 'sessions'],
    cookie: { secure: false },
    ...(cors ? { cors } : {}),
  });
  const app = new Koa();
  app.use(tg.router());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = { from: 'app' };
  });
  return listen(app.callback());
});
