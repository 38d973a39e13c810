export { DuckDbEventStore } from './event-store.js';
export { DuckDbProfileMirror } from './profile-mirror.js';
