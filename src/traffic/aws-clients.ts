// The AWS SDK clients of a run, one per service, loaded and built on first use with bounded requests.
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

/**
 * Region from the input, else the SDK's own chain (AWS_REGION, profile): credentials and
 * AWS_ENDPOINT_URL_* stay standard. The SDK's Node handler sets no request timeout by default, so a
 * black-holed call would hang past the run's timeout and the restore path with it.
 *
 * Each SDK package is imported only when a provider or check asks for its client: it is most of the
 * bundle's weight, and runs that need no AWS (plan, HAProxy, commands) never load it.
 */
export class AwsClients {
  private elb?: Promise<ElasticLoadBalancingV2Client>;
  private cw?: Promise<CloudWatchClient>;

  constructor(private readonly region: string | undefined) {}

  private get options() {
    return {
      ...(this.region ? { region: this.region } : {}),
      requestHandler: { requestTimeout: 10_000, connectionTimeout: 5_000 },
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
}
