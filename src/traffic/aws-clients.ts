// The AWS SDK clients of a run, one per service, loaded and built on first use with bounded requests.
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { LambdaClient } from '@aws-sdk/client-lambda';

/** Bound on one AWS call, the answer included (Lambda's Invoke gets its own, see checks/lambda-invoke.ts). */
export const AWS_REQUEST_TIMEOUT_MS = 10_000;
export const AWS_CONNECT_TIMEOUT_MS = 5_000;

/**
 * Region from the input, else the SDK's own chain (AWS_REGION, profile): credentials and
 * AWS_ENDPOINT_URL_* stay standard. The SDK's Node handler bounds nothing by default, and its
 * `requestTimeout` alone only logs a warning when passed: `throwOnRequestTimeout` makes it end the
 * call, so a black-holed endpoint cannot hold a run past its timeout, nor the restore path with it.
 *
 * Each SDK package is imported only when a provider or check asks for its client: it is most of the
 * bundle's weight, and runs that need no AWS (plan, HAProxy, commands) never load it.
 */
export class AwsClients {
  private elb?: Promise<ElasticLoadBalancingV2Client>;
  private cw?: Promise<CloudWatchClient>;
  private fn?: Promise<LambdaClient>;

  constructor(
    private readonly region: string | undefined,
    private readonly timeouts: { requestMs?: number; connectMs?: number } = {},
  ) {}

  private get options() {
    return {
      ...(this.region ? { region: this.region } : {}),
      requestHandler: {
        requestTimeout: this.timeouts.requestMs ?? AWS_REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
        connectionTimeout: this.timeouts.connectMs ?? AWS_CONNECT_TIMEOUT_MS,
      },
    };
  }

  elbv2(): Promise<ElasticLoadBalancingV2Client> {
    return (this.elb ??= import('@aws-sdk/client-elastic-load-balancing-v2').then(
      (sdk) => new sdk.ElasticLoadBalancingV2Client(this.options),
    ));
  }

  cloudwatch(): Promise<CloudWatchClient> {
    return (this.cw ??= import('@aws-sdk/client-cloudwatch').then(
      (sdk) => new sdk.CloudWatchClient(this.options),
    ));
  }

  lambda(): Promise<LambdaClient> {
    return (this.fn ??= import('@aws-sdk/client-lambda').then((sdk) => new sdk.LambdaClient(this.options)));
  }
}
