import { describe, expect, it } from 'vitest';
import { intermediateWeights, parseCanarySteps, parseStrategyName } from '../../src/config/strategy.js';

describe('parseStrategyName', () => {
  it.each([
    ['blue-green', 'blue-green'],
    ['canary', 'canary'],
    ['linear', 'linear'],
    ['all-at-once', 'all-at-once'],
    ['Blue-Green', 'blue-green'],
    ['CANARY', 'canary'],
    [' linear ', 'linear'],
  ] as const)('plain name %j is %s without a preset', (text, kind) => {
    expect(parseStrategyName(text)).toEqual({ kind });
  });

  it.each([
    ['CodeDeployDefault.ECSLinear10PercentEvery1Minutes', 'linear', 10, 1],
    ['CodeDeployDefault.ECSLinear10PercentEvery3Minutes', 'linear', 10, 3],
    ['CodeDeployDefault.LambdaCanary10Percent30Minutes', 'canary', 10, 30],
    ['CodeDeployDefault.ECSCanary10Percent15Minutes', 'canary', 10, 15],
    ['CodeDeployDefault.LambdaLinear10PercentEvery10Minutes', 'linear', 10, 10],
    ['Canary5Percent2Minutes', 'canary', 5, 2],
    ['Canary10Percent5Minutes', 'canary', 10, 5],
    ['Canary25Percent1Minute', 'canary', 25, 1],
    ['Linear10PercentEvery1Minute', 'linear', 10, 1],
    ['Linear33PercentEvery2Minutes', 'linear', 33, 2],
    ['ECSCanary99Percent120Minutes', 'canary', 99, 120],
    ['lambdalinear20percentevery5minutes', 'linear', 20, 5],
  ] as const)('preset %s is %s %i%% every %i min', (text, kind, percent, minutes) => {
    expect(parseStrategyName(text)).toEqual({ kind, preset: { percent, intervalMs: minutes * 60_000 } });
  });

  it.each([
    'AllAtOnce',
    'CodeDeployDefault.AllAtOnce',
    'CodeDeployDefault.ECSAllAtOnce',
    'CodeDeployDefault.LambdaAllAtOnce',
  ])('preset %s is all-at-once with no hold of its own', (text) => {
    expect(parseStrategyName(text)).toEqual({ kind: 'all-at-once', preset: {} });
  });

  it.each([
    ['', 'empty'],
    ['bluegreen', 'strict spelling'],
    ['blue_green', 'underscore'],
    ['rolling', 'unknown'],
    ['Canary0Percent5Minutes', 'percent 0'],
    ['Canary100Percent5Minutes', 'percent 100'],
    ['Canary10Percent0Minutes', 'zero minutes'],
    ['Linear10PercentEvery0Minutes', 'zero minutes'],
    ['Linear10Percent1Minute', 'linear without Every'],
    ['Canary10PercentEvery5Minutes', 'canary with Every'],
    ['CodeDeployDefault.OneAtATime', 'EC2 in-place preset'],
    ['CodeDeployDefault.HalfAtATime', 'EC2 in-place preset'],
    ['EC2Canary10Percent5Minutes', 'unknown compute platform'],
    ['CodeDeployDefault.canary', 'prefix on a plain name'],
    ['Canary10Percent5Seconds', 'seconds'],
    ['Canary-10Percent5Minutes', 'sign'],
    ['Canary10Percent5MinutesX', 'trailing text'],
  ])('rejects %j (%s)', (text) => {
    expect(parseStrategyName(text)).toBeUndefined();
  });
});

describe('parseCanarySteps', () => {
  it.each([
    ['10,50', [10, 50]],
    ['10, 50', [10, 50]],
    [' 5 , 25 ,50 ', [5, 25, 50]],
    ['1', [1]],
    ['1,99', [1, 99]],
  ])('%j is %j', (text, steps) => {
    expect(parseCanarySteps(text)).toEqual(steps);
  });

  it.each(['', '10,5', '10,10', '0,50', '10,100', '10,,50', '10,50,', '10.5', '-5,10', 'ten', '10 50'])(
    'rejects %j',
    (text) => {
      expect(parseCanarySteps(text)).toBeUndefined();
    },
  );
});

describe('intermediateWeights', () => {
  it('is the canary steps', () => {
    expect(intermediateWeights({ kind: 'canary', steps: [5, 25, 50] })).toEqual([5, 25, 50]);
  });
  it('is every multiple of the linear increment below 100', () => {
    expect(intermediateWeights({ kind: 'linear', increment: 10 })).toEqual([
      10, 20, 30, 40, 50, 60, 70, 80, 90,
    ]);
    expect(intermediateWeights({ kind: 'linear', increment: 30 })).toEqual([30, 60, 90]);
    expect(intermediateWeights({ kind: 'linear', increment: 50 })).toEqual([50]);
    expect(intermediateWeights({ kind: 'linear', increment: 99 })).toEqual([99]);
  });
  it('is empty for one-switch strategies', () => {
    expect(intermediateWeights({ kind: 'blue-green' })).toEqual([]);
    expect(intermediateWeights({ kind: 'all-at-once' })).toEqual([]);
  });
});
