/**
 * Worker thread of a profile match run: the matcher holds a core for seconds
 * to minutes, and the server's event loop keeps serving tracking calls
 * meanwhile. Receives the records and the config as workerData, posts the
 * scored pairs (profile-pair-scoring.ts) or `{ error }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scoreProfilePairs, type ProfilePairScoringInput } from './profile-pair-scoring.js';

try {
  parentPort!.postMessage({ scored: await scoreProfilePairs(workerData as ProfilePairScoringInput) });
} catch (error) {
  parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
}
