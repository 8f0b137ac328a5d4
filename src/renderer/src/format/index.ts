// The format/ folder's public surface: how dates and times are written (other folders import it only from here).
export * from './savedAt';
export * from './oodScore';
