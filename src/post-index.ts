// The bundle's post entry (action.yml `runs.post`): starts the post step. Importing post.ts starts nothing.
import { run } from './post.js';

void run(); // not a top-level await: the process ends as before, when nothing is left to do
