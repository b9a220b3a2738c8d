import { describe, expect, it } from 'vitest';
import { type CallAction, type CallState, callReducer, describeTiming, initialCallState } from './call-state';
import type { ServerMessage } from './protocol';

const run = (actions: CallAction[], from: CallState = initialCallState()) =>
  actions.reduce(callReducer, from);
const server = (message: ServerMessage): CallAction => ({ type: 'server', message });
const ready = server({
  type: 'ready',
  sessionId: 's1',
  sampleRate: 16_000,
  mode: 'hands_free',
  engines: { vad: 'energy', stt: 'pocketsphinx', tts: 'flite' },
});

describe('the call state', () => {
  it('goes through one turn: listening, hearing with partials, thinking, speaking, listening again', () => {
    let state = run([ready]);
    expect(state.phase).toBe('listening');
    expect(state.engines?.stt).toBe('pocketsphinx');
    state = run(
      [server({ type: 'vad', speaking: true }), server({ type: 'partial_transcript', text: 'what is' })],
      state,
    );
    expect(state).toMatchObject({ phase: 'hearing', partial: 'what is' });
    state = run([server({ type: 'final_transcript', text: 'what is the time', messageId: 'u1' })], state);
    expect(state).toMatchObject({ phase: 'thinking', partial: '' });
    expect(state.turns).toEqual([{ id: 'u1', role: 'user', text: 'what is the time' }]);
    state = run(
      [
        server({ type: 'assistant_delta', text: 'It is ', messageId: 'a1' }),
        server({ type: 'assistant_delta', text: 'noon.', messageId: 'a1' }),
      ],
      state,
    );
    expect(state.reply).toEqual({ messageId: 'a1', text: 'It is noon.' });
    state = run([server({ type: 'tts_start', sampleRate: 22_050, messageId: 'a1' })], state);
    expect(state.phase).toBe('speaking');
    state = run(
      [server({ type: 'assistant_end', messageId: 'a1', text: 'It is noon.', interrupted: false })],
      state,
    );
    // The text is stored, but the audio still plays.
    expect(state.phase).toBe('speaking');
    expect(state.reply).toBeNull();
    expect(state.turns.at(-1)).toEqual({ id: 'a1', role: 'assistant', text: 'It is noon.' });
    state = run([{ type: 'playback_ended' }], state);
    expect(state.phase).toBe('listening');
  });

  it('a barge-in: interrupted goes back to hearing the person; the stored reply is what they heard', () => {
    const state = run([
      ready,
      server({ type: 'final_transcript', text: 'tell me a story', messageId: 'u1' }),
      server({ type: 'assistant_delta', text: 'Once upon a time there was a', messageId: 'a1' }),
      server({ type: 'tts_start', sampleRate: 16_000, messageId: 'a1' }),
      server({ type: 'vad', speaking: true }),
      server({ type: 'interrupted', messageId: 'a1' }),
    ]);
    expect(state.phase).toBe('hearing');
    const after = run(
      [server({ type: 'assistant_end', messageId: 'a1', text: 'Once upon', interrupted: true })],
      state,
    );
    expect(after.turns.at(-1)).toEqual({ id: 'a1', role: 'assistant', text: 'Once upon', interrupted: true });
    expect(after.phase).toBe('hearing');
  });

  it('a reply interrupted before any of it was heard (empty text) leaves the transcript', () => {
    const state = run([
      ready,
      server({ type: 'final_transcript', text: 'tell me a story', messageId: 'u1' }),
      server({ type: 'assistant_delta', text: 'Once', messageId: 'a1' }),
      server({ type: 'assistant_end', messageId: 'a1', text: 'Once upon a time.', interrupted: false }),
      server({ type: 'interrupted', messageId: 'a1' }),
      server({ type: 'assistant_end', messageId: 'a1', text: '', interrupted: true }),
    ]);
    expect(state.turns).toEqual([{ id: 'u1', role: 'user', text: 'tell me a story' }]);
  });

  it('a reply with no audio at all (no TTS) still ends back at listening', () => {
    const state = run([
      ready,
      server({ type: 'final_transcript', text: 'hi', messageId: 'u1' }),
      server({ type: 'assistant_end', messageId: 'a1', text: 'Hello!', interrupted: false }),
    ]);
    expect(state.phase).toBe('listening');
  });

  it('an error event is shown and the call goes on; a following close ends it with that error', () => {
    let state = run([
      ready,
      server({ type: 'error', code: 'stt_failed', message: 'Speech recognition failed.' }),
    ]);
    expect(state.phase).toBe('listening');
    expect(state.error).toEqual({ code: 'stt_failed', message: 'Speech recognition failed.' });
    state = run([{ type: 'dismiss_error' }], state);
    expect(state.error).toBeNull();
    state = run(
      [
        server({ type: 'error', code: 'engine_unavailable', message: 'No TTS engine is ready.' }),
        { type: 'closed', code: 4503 },
      ],
      state,
    );
    expect(state).toMatchObject({ phase: 'failed', error: { code: 'engine_unavailable' } });
  });

  it('a close without an error says why from its code; 1000 is a plain end; nothing changes after', () => {
    expect(run([ready, { type: 'closed', code: 4408 }]).error?.message).toMatch(/long silence/);
    expect(run([ready, { type: 'closed', code: 1006 }]).error?.message).toMatch(
      /connection to the server was lost/,
    );
    const ended = run([ready, { type: 'closed', code: 1000 }]);
    expect(ended).toMatchObject({ phase: 'ended', error: null });
    expect(
      run(
        [{ type: 'hang_up' }, server({ type: 'vad', speaking: true }), { type: 'closed', code: 1006 }],
        ended,
      ),
    ).toBe(ended);
  });

  it('mic permission denied fails the call with its message', () => {
    const state = run([
      { type: 'failed', error: { code: 'mic_denied', message: 'Microphone access is blocked.' } },
    ]);
    expect(state).toMatchObject({ phase: 'failed', error: { code: 'mic_denied' } });
  });

  it('push-to-talk: holding counts only in that mode and unmuted; muting lets go', () => {
    expect(run([ready, { type: 'talk', down: true }]).talking).toBe(false);
    const ptt = run([
      { type: 'connect', mode: 'push_to_talk' },
      server({
        type: 'ready',
        sessionId: 's',
        sampleRate: 16_000,
        mode: 'push_to_talk',
        engines: { vad: 'v', stt: 's', tts: 't' },
      }),
    ]);
    const held = run([{ type: 'talk', down: true }], ptt);
    expect(held.talking).toBe(true);
    expect(run([{ type: 'mute', muted: true }], held)).toMatchObject({ talking: false, muted: true });
    expect(
      run(
        [
          { type: 'mute', muted: true },
          { type: 'talk', down: true },
        ],
        ptt,
      ).talking,
    ).toBe(false);
  });

  it('a new session (mode switch) keeps the turns said so far and the mute', () => {
    const before = run([
      ready,
      { type: 'mute', muted: true },
      server({ type: 'final_transcript', text: 'hi', messageId: 'u1' }),
    ]);
    const after = run([{ type: 'connect', mode: 'push_to_talk' }], before);
    expect(after).toMatchObject({ phase: 'connecting', mode: 'push_to_talk', muted: true });
    expect(after.turns).toHaveLength(1);
    // A reply still being spoken when the session changes stays, marked as cut off.
    const speaking = run([
      ready,
      server({ type: 'final_transcript', text: 'hi', messageId: 'u1' }),
      server({ type: 'assistant_delta', text: 'Hello the', messageId: 'a1' }),
      server({ type: 'tts_start', sampleRate: 16_000, messageId: 'a1' }),
      { type: 'connect', mode: 'push_to_talk' },
    ]);
    expect(speaking.turns.at(-1)).toEqual({
      id: 'a1',
      role: 'assistant',
      text: 'Hello the',
      interrupted: true,
    });
    expect(speaking.reply).toBeNull();
  });
});

describe('segment finals', () => {
  it('merges segment finals into the live words of one turn until the turn is stored', () => {
    let state = run([ready, server({ type: 'vad', speaking: true })]);
    state = run([server({ type: 'partial_transcript', text: 'what time' })], state);
    expect(state).toMatchObject({ heard: '', partial: 'what time' });
    state = run(
      [
        server({
          type: 'segment_transcript',
          index: 0,
          text: 'what time is it',
          turnText: 'what time is it',
        }),
      ],
      state,
    );
    // Final words at the pause, before the turn ended: still hearing, no turn stored yet.
    expect(state).toMatchObject({ phase: 'hearing', heard: 'what time is it', partial: 'what time is it' });
    expect(state.turns).toEqual([]);
    state = run([server({ type: 'partial_transcript', text: 'what time is it good' })], state);
    expect(state).toMatchObject({ heard: 'what time is it', partial: 'what time is it good' });
    // A segment final that comes after the next segment's first partial keeps that partial.
    state = run(
      [
        server({ type: 'partial_transcript', text: 'what time is it good morning' }),
        server({
          type: 'segment_transcript',
          index: 1,
          text: 'good morning',
          turnText: 'what time is it good morning',
        }),
      ],
      state,
    );
    expect(state).toMatchObject({
      heard: 'what time is it good morning',
      partial: 'what time is it good morning',
    });
    state = run(
      [server({ type: 'final_transcript', text: 'what time is it good morning', messageId: 'u1' })],
      state,
    );
    expect(state).toMatchObject({ phase: 'thinking', heard: '', partial: '' });
    expect(state.turns).toEqual([{ id: 'u1', role: 'user', text: 'what time is it good morning' }]);
  });

  it('forgets final words of an utterance that made no turn once a new utterance is heard', () => {
    const state = run([
      ready,
      server({ type: 'segment_transcript', index: 0, text: 'open the', turnText: 'open the' }),
      server({ type: 'error', code: 'stt_engine_failed', message: 'Speech recognition failed' }),
      server({ type: 'partial_transcript', text: 'hello' }),
    ]);
    expect(state).toMatchObject({ heard: '', partial: 'hello' });
  });

  it('a segment final replaces an older guess that does not match it', () => {
    const state = run([
      ready,
      server({ type: 'partial_transcript', text: 'what tie' }),
      server({ type: 'segment_transcript', index: 0, text: 'what time', turnText: 'what time' }),
    ]);
    expect(state).toMatchObject({ heard: 'what time', partial: 'what time' });
  });
});

describe('describeTiming', () => {
  it('reads voice-to-voice latency from turn_timing, with its parts', () => {
    expect(describeTiming(null)).toEqual({ total: null, parts: [] });
    expect(
      describeTiming({
        turnId: 't',
        speechEndMs: 0,
        finalTranscriptMs: 180.4,
        llmFirstTokenMs: 390,
        firstTtsByteMs: 452,
        firstAudioSentMs: 455.6,
      }),
    ).toEqual({ total: 456, parts: ['transcript 180 ms', 'first word 390 ms', 'first audio 452 ms'] });
    expect(
      describeTiming({
        turnId: 't',
        speechEndMs: 0,
        segmentFinalMs: -251.2,
        finalTranscriptMs: 12,
        llmFirstTokenMs: 300,
        firstTtsByteMs: 350,
        firstAudioSentMs: 352,
      }).parts,
    ).toEqual([
      'words final 251 ms before the turn ended',
      'transcript 12 ms',
      'first word 300 ms',
      'first audio 350 ms',
    ]);
  });
});
