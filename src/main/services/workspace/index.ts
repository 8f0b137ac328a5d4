export { defaultDataDir } from './dataDir';
export { RecentStudies } from './recentStudies';
export { listDirectory } from './listDirectory';
export { SessionStore } from './sessionStore';
