// The inputs of provider lambda: the function, the alias callers invoke, the version to shift to, the pre-traffic event.
import type { ProviderConfig } from './types.js';
import type { InputReader } from './reader.js';

export type LambdaProvider = Extract<ProviderConfig, { kind: 'lambda' }>;

const NAME = '[A-Za-z0-9_-]{1,64}';
const FUNCTION_NAME = new RegExp(`^${NAME}$`);
// arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
const FUNCTION_ARN = new RegExp(
  `^arn:aws[a-z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\\d):(\\d{12}):function:(${NAME})(?::([^:]+))?$`,
);
/** Alias names: letters, digits, - and _, not only digits (that would read as a version), up to 128. */
const ALIAS = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;
/** Published versions are numbered from 1. */
const VERSION = /^[1-9]\d{0,9}$/;

export const FUNCTION_FORM =
  'a function name like checkout, or its ARN like arn:aws:lambda:us-east-1:123456789012:function:checkout';
export const ALIAS_FORM =
  'the name of the alias your callers invoke, like live: letters, digits, - and _ (not a version number)';
export const VERSION_FORM = 'a published version number of the function, like 8';

/** The region of a function ARN; undefined for a plain name. */
export function functionRegionOf(nameOrArn: string): string | undefined {
  return FUNCTION_ARN.exec(nameOrArn)?.[1];
}

export function parseLambda(r: InputReader): LambdaProvider | undefined {
  for (const name of ['blue-target', 'green-target'] as const) {
    if (r.isSet(name))
      r.problem(
        name,
        'is not used with provider lambda: the two slots are the live and the new version of lambda-function; remove it',
      );
  }
  const fn = readFunction(r);
  const alias = readAlias(r);
  const version = readVersion(r);
  const payload = readPayload(r);
  if (!fn || !alias) return undefined;
  return {
    kind: 'lambda',
    functionName: fn,
    alias,
    ...(version ? { version } : {}),
    ...(payload !== undefined ? { preTrafficPayload: payload } : {}),
  };
}

function readFunction(r: InputReader): string | undefined {
  const text = r.given('lambda-function');
  if (text === '') {
    r.problem('lambda-function', `is required with provider lambda: ${FUNCTION_FORM}`);
    return undefined;
  }
  const arn = FUNCTION_ARN.exec(text);
  if (arn?.[4] !== undefined) {
    r.bad(
      'lambda-function',
      `names a version or alias (${arn[4]}) after the function: give the function alone, like ` +
        `${text.slice(0, text.length - arn[4].length - 1)}, and the alias in lambda-alias`,
    );
    return undefined;
  }
  if (!arn && !FUNCTION_NAME.test(text)) {
    r.bad('lambda-function', `must be ${FUNCTION_FORM}`);
    return undefined;
  }
  const region = functionRegionOf(text);
  const awsRegion = r.given('aws-region');
  if (region && awsRegion && region !== awsRegion) {
    r.bad(
      'lambda-function',
      `is in region ${region} but aws-region is ${awsRegion}: Glidepath would not find the function; make them agree`,
    );
  }
  return text;
}

function readAlias(r: InputReader): string | undefined {
  const text = r.given('lambda-alias');
  if (text === '') {
    r.problem('lambda-alias', `is required with provider lambda: ${ALIAS_FORM}`);
    return undefined;
  }
  if (text === '$LATEST') {
    r.bad(
      'lambda-alias',
      'is the unpublished version, not an alias: weights live on an alias; give the alias your callers invoke, like live',
    );
    return undefined;
  }
  if (!ALIAS.test(text)) {
    r.bad('lambda-alias', `must be ${ALIAS_FORM}`);
    return undefined;
  }
  return text;
}

function readVersion(r: InputReader): string | undefined {
  const text = r.given('lambda-version');
  if (text === '') return undefined;
  if (text.toUpperCase() === '$LATEST') {
    r.bad(
      'lambda-version',
      'cannot take traffic from an alias: Lambda weights only published versions; give a version number like 8, or ' +
        'leave lambda-version empty and Glidepath publishes one from $LATEST after deploy-command',
    );
    return undefined;
  }
  if (!VERSION.test(text)) {
    r.bad(
      'lambda-version',
      `must be ${VERSION_FORM}, or empty to publish one from $LATEST after deploy-command`,
    );
    return undefined;
  }
  return text;
}

function readPayload(r: InputReader): string | undefined {
  if (!r.isSet('pre-traffic-payload')) return undefined;
  const text = r.given('pre-traffic-payload');
  try {
    JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    r.bad(
      'pre-traffic-payload',
      `must be the JSON event the new version is invoked with before any traffic moves, like {"path": "/health"} (${why})`,
    );
    return undefined;
  }
  return text;
}
