/** CORS over real HTTP on Express: the shared cases (@tollgate/test-kit/cors) against createTollgateExpress. */
import { demoTollgate, listen } from '@tollgate/test-kit';
import { describeCors } from '@tollgate/test-kit/cors';
import express from 'express';
import { createTollgateExpress } from '../src/index.js';

describeCors('Express', async (cors) => {
  const tg = createTollgateExpress(await demoTollgate(), {
    profiles: ['token-pair', 'uat-jwt', 'delegated-login', 'sessions'],
    cookie: { secure: false },
    ...(cors ? { cors } : {}),
  });
  const app = express();
  app.use(tg.router());
  app.use((_req, res) => {
    res.status(404).json({ from: 'app' });
  });
  return listen(app);
});
