import { describe, expect, it } from 'vitest';
import {
  loadBalancerDimension,
  regionOf,
  shortName,
  targetGroupDimension,
} from '../../src/traffic/alb-arn.js';

describe('ALB ARN → CloudWatch dimensions', () => {
  it.each([
    [
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2',
      'app/web/50dc6c495c0c9188',
    ],
    [
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee',
      'app/web/50dc6c495c0c9188',
    ],
    [
      'arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:listener/app/shop-prod/abcdef0123456789/0123456789abcdef',
      'app/shop-prod/abcdef0123456789',
    ],
    ['arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:listener/app/x/1/2', 'app/x/1'],
  ])('%s → %s', (arn, dim) => {
    expect(loadBalancerDimension(arn)).toBe(dim);
  });

  it('target group dimension', () => {
    expect(
      targetGroupDimension(
        'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/73e2d6bc24d8a067',
      ),
    ).toBe('targetgroup/web-green/73e2d6bc24d8a067');
  });

  it.each([
    ['not-an-arn', /is not an Elastic Load Balancing ARN; expected arn:aws:elasticloadbalancing/],
    [
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/1',
      /is not a listener or listener-rule ARN/,
    ],
    [
      'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/net/web/1/2',
      /Network Load Balancer; weighted target groups need an Application Load Balancer/,
    ],
    ['arn:aws:ec2:eu-west-1:123456789012:instance/i-1', /is not an Elastic Load Balancing ARN/],
  ])('rejects %s as a listener/rule', (arn, msg) => {
    expect(() => loadBalancerDimension(arn)).toThrow(msg);
  });

  it('rejects a listener ARN as a target group', () => {
    expect(() =>
      targetGroupDimension('arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/1/2'),
    ).toThrow(
      /is not a target group ARN; expected arn:aws:elasticloadbalancing:<region>:<account>:targetgroup\/<name>\/<id>/,
    );
  });

  it('short names and region for logs', () => {
    expect(
      shortName('arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-green/73e2d6bc24d8a067'),
    ).toBe('web-green');
    expect(shortName('arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/1/2/3')).toBe(
      'rule of web',
    );
    expect(regionOf('arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/web/1/2')).toBe(
      'eu-west-1',
    );
  });
});
