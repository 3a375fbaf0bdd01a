// The bundle's main entry (action.yml `runs.main`): starts the main step. Importing main.ts starts nothing.
import { run } from './main.js';

void run(); // not a top-level await: the process ends as before, when nothing is left to do
