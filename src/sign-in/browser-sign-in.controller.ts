import { Controller, Get, Logger, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/auth/public.decorator';
import { mapError } from '../common/error-mapping';
import { AppConfig } from '../config/app-config';
import type { SignInFlow } from './sign-in-flow';
import { SignInService } from './sign-in.service';

/** The request asks for JSON (an API client or the SPA's fetch), not a browser navigation. */
function wantsJson(req: Request): boolean {
  const accept = req.headers.accept ?? '';
  return /application\/json/i.test(accept) && !/text\/html/i.test(accept);
}

/**
 * Browser endpoints, for deployments where core's reverse proxy routes these paths here. Public
 * (the provider's redirect carries no token); each runs the same strategy as gRPC. A finished
 * callback redirects to AUTH_RESULT_URL with a one-time `result` handle (60 s) that core redeems
 * with RedeemAuthResult; a refusal redirects with `error=<code>`, or answers JSON 4xx
 * `{msg, code}` when the request's Accept asks for JSON.
 */
@ApiExcludeController()
@Public()
@Controller()
export class BrowserSignInController {
  private readonly logger = new Logger('BrowserSignIn');

  constructor(
    private readonly signIn: SignInService,
    private readonly config: AppConfig,
  ) {}

  @Get('auth/login')
  loginStart(@Req() req: Request, @Res() res: Response) {
    return this.start('LOGIN', undefined, req, res);
  }

  @Get('auth/callback')
  loginCallback(@Req() req: Request, @Res() res: Response) {
    return this.callback('LOGIN', req, res);
  }

  @Get('openid/login')
  enrollmentStart(@Req() req: Request, @Res() res: Response) {
    return this.start('ENROLLMENT', undefined, req, res);
  }

  @Get('openid/callback')
  enrollmentCallback(@Req() req: Request, @Res() res: Response) {
    return this.callback('ENROLLMENT', req, res);
  }

  @Get('openid/mfa/login')
  mfaStart(@Query('token') token: unknown, @Req() req: Request, @Res() res: Response) {
    return this.start('MFA', token ?? '', req, res);
  }

  @Get('openid/mfa/callback')
  mfaCallback(@Req() req: Request, @Res() res: Response) {
    return this.callback('MFA', req, res);
  }

  private async start(flow: SignInFlow, mfaToken: unknown, req: Request, res: Response): Promise<void> {
    try {
      const info = await this.signIn.getAuthInfo(flow, mfaToken);
      res.setHeader('cache-control', 'no-store');
      res.redirect(302, info.url);
    } catch (error) {
      this.refuse(error, req, res);
    }
  }

  private async callback(flow: SignInFlow, req: Request, res: Response): Promise<void> {
    try {
      const result = await this.signIn.handleCallback(flow, req.query as Record<string, unknown>);
      const handle = await this.signIn.storeResult(result);
      res.setHeader('cache-control', 'no-store');
      res.redirect(302, this.resultUrl({ result: handle }));
    } catch (error) {
      this.refuse(error, req, res);
    }
  }

  private refuse(error: unknown, req: Request, res: Response): void {
    const mapped = mapError(error);
    if (mapped.unexpected) this.logger.error({ err: error }, 'browser sign-in failed unexpectedly');
    else this.logger.warn({ code: mapped.code }, `browser sign-in refused: ${mapped.message}`);
    res.setHeader('cache-control', 'no-store');
    if (wantsJson(req)) {
      res.status(mapped.httpStatus).json({ msg: mapped.message, code: mapped.code });
      return;
    }
    res.redirect(302, this.resultUrl({ error: mapped.code }));
  }

  private resultUrl(params: Record<string, string>): string {
    const url = new URL(this.config.authResultUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.toString();
  }
}
