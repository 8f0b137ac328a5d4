import { describe, expect, it } from 'vitest';
import { interpreterBadge, interpreterStatusLine, speechAvailability } from './labels';

describe('chat labels', () => {
  it('says which interpreter answered and why the LLM was passed over', () => {
    expect(interpreterBadge({ interpreter: 'llm', elapsedMs: 812.4 })).toEqual({
      text: 'LLM',
      detail: 'Interpreted by the local LLM in 812 ms',
    });
    const fallback = interpreterBadge({
      interpreter: 'built-in',
      elapsedMs: 3,
      fallbackReason: 'timed out after 8 s',
    });
    expect(fallback.text).toBe('built-in (LLM passed over)');
    expect(fallback.detail).toContain('timed out after 8 s');
    expect(interpreterBadge({ interpreter: 'built-in', elapsedMs: 2 }).text).toBe('built-in');
  });

  it('describes the active interpreter and the LLM state', () => {
    expect(interpreterStatusLine({ active: 'built-in', llm: 'none' })).toBe(
      'Interpreter: built-in rules (no LLM installed)',
    );
    expect(
      interpreterStatusLine({ active: 'built-in', llm: 'unavailable', reason: 'checksum mismatch' }),
    ).toBe('Interpreter: built-in rules (LLM unavailable: checksum mismatch)');
    expect(interpreterStatusLine({ active: 'llm', llm: 'ready', modelId: 'qwen2.5-1.5b' })).toBe(
      'Interpreter: LLM qwen2.5-1.5b',
    );
  });

  it('turns the engine list into a voice line, or install hints when none can run', () => {
    const on = speechAvailability([
      { id: 'pocketsphinx', description: 'grammar', available: true },
      { id: 'sherpa-onnx', description: 'general', available: false, install: 'add the model' },
    ]);
    expect(on).toEqual({ available: true, engines: ['pocketsphinx'], line: 'Voice: pocketsphinx' });
    const off = speechAvailability([
      {
        id: 'pocketsphinx',
        description: 'grammar',
        available: false,
        install: 'apt-get install pocketsphinx',
      },
    ]);
    expect(off.available).toBe(false);
    expect(off.line).toMatch(/no speech engine is installed/);
    expect(off.available ? [] : off.hints).toEqual(['pocketsphinx (grammar): apt-get install pocketsphinx']);
    expect(speechAvailability([]).line).toMatch(/no speech engine/);
  });
});
