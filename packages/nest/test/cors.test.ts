/** CORS over real HTTP on Nest (Express platform): the shared cases (@tollgate/test-kit/cors) against TollgateModule. */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { demoTollgateOptions } from '@tollgate/test-kit';
import { describeCors } from '@tollgate/test-kit/cors';
import { TollgateModule } from '../src/index.js';
import { start } from './nest-app.js';

describeCors('Nest', async (cors) => {
  const tollgate = await demoTollgateOptions();
  @Module({
    imports: [
      TollgateModule.forRoot({
        tollgate,
        profiles: ['token-pair', 'uat-jwt', 'delegated-login', 'sessions'],
        cookie: { secure: false },
        ...(cors ? { cors } : {}),
      }),
    ],
  })
  class AppModule {}
  return start(AppModule);
});
