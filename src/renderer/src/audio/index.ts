// The audio/ folder's public surface: push-to-talk capture and PCM conversion (other folders import it only from here).
export * from './microphone';
export * from './pcm';
