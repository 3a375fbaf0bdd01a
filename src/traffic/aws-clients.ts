// The AWS SDK clients of a run, one per service, built on first use with bounded requests.
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

/**
 * Region from the input, else the SDK's own chain (AWS_REGION, profile): credentials and
 * AWS_ENDPOINT_URL_* stay standard. The SDK's Node handler sets no request timeout by default, so a
 * black-holed call would hang past the run's timeout and the restore path with it.
 */
export class AwsClients {
  private elb?: ElasticLoadBalancingV2Client;
  private cw?: CloudWatchClient;

  constructor(private readonly region: string | undefined) {}

  private get options() {
    return {
      ...(this.region ? { region: this.region } : {}),
      requestHandler: { requestTimeout: 10_000, connectionTimeout: 5_000 },
    };
  }

  get elbv2(): ElasticLoadBalancingV2Client {
    return (this.elb ??= new ElasticLoadBalancingV2Client(this.options));
  }

  get cloudwatch(): CloudWatchClient {
    return (this.cw ??= new CloudWatchClient(this.options));
  }
}
