// The only place that reads the runner's inputs: every declared input, raw, for parseInputs.
import * as core from '@actions/core';
import { INPUTS } from './inputs.js';

export function readInputs(): Record<string, string> {
  return Object.fromEntries(INPUTS.map((i) => [i.name, core.getInput(i.name)]));
}
