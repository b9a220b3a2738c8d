/**
 * The Python program one pocketsphinx decoder process runs (`/usr/bin/python3 -c <this>`), kept
 * as a string so the server bundle (scripts/bundle-server.mjs ships JavaScript only) carries it
 * without a file beside it. It uses Debian's `python3-pocketsphinx` (the system interpreter's
 * module; a pyenv python on PATH does not have it).
 *
 * Arguments: the model directory, then any of
 * - `second-pass` to keep pocketsphinx's flat-lexicon second pass (fwdflat). It is off by
 *   default: it runs inside end_utt, after the speaker has stopped, and measured here it tripled
 *   the time from the end of speech to the final text (149 → 44 ms per utterance) for the same
 *   words on flite speech.
 * - `maxhmmpf=N`: at most N HMMs searched per frame (`-maxhmmpf`; pocketsphinx's default is
 *   30000). The decoder's cost is almost all in that search; see pocketsphinx-stt.ts for the
 *   measured effect of the value it passes.
 *
 * Protocol (one decoder per process, one utterance at a time):
 * - stdin, binary records: 1 byte type, uint32 LE utterance id, uint32 LE payload length, payload.
 *   `A` audio (PCM16LE 16 kHz mono; a new utterance id starts a new utterance), `F` finish the
 *   utterance, `R` drop it, `Q` quit. EOF quits too (the server died: never linger).
 * - stdout, one JSON object per line: `{"t":"ready"}` once the model is loaded,
 *   `{"t":"partial","u":id,"text":…}` when the hypothesis changes (checked every 100 ms of audio),
 *   `{"t":"final","u":id,"text":…}` after `F`, `{"t":"error","message":…}` before a fatal exit.
 */
export const POCKETSPHINX_WORKER_SCRIPT = String.raw`
import json, struct, sys

def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()

def read_exact(stream, n):
    data = stream.read(n)
    if data is None or len(data) < n:
        return None
    return data

def main():
    model = sys.argv[1]
    # Second passes run at end_utt, i.e. after the speaker stopped: off, they cost latency there.
    second_pass = "second-pass" in sys.argv[2:]
    max_hmm = None
    for arg in sys.argv[2:]:
        if arg.startswith("maxhmmpf="):
            max_hmm = int(arg.split("=", 1)[1])
    try:
        import pocketsphinx
        from pocketsphinx import Decoder
        if hasattr(Decoder, "default_config"):
            config = Decoder.default_config()
            config.set_string("-hmm", model + "/en-us")
            config.set_string("-lm", model + "/en-us.lm.bin")
            config.set_string("-dict", model + "/cmudict-en-us.dict")
            config.set_string("-logfn", "/dev/null")
            config.set_boolean("-fwdflat", second_pass)
            if max_hmm is not None:
                config.set_int("-maxhmmpf", max_hmm)
        else:
            extra = {} if max_hmm is None else {"maxhmmpf": max_hmm}
            config = pocketsphinx.Config(hmm=model + "/en-us", lm=model + "/en-us.lm.bin",
                                         dict=model + "/cmudict-en-us.dict", logfn="/dev/null",
                                         fwdflat=second_pass, **extra)
        decoder = Decoder(config)
    except Exception as e:
        emit({"t": "error", "message": "pocketsphinx failed to load: " + str(e)})
        sys.exit(2)
    emit({"t": "ready"})
    stdin = sys.stdin.buffer
    current = None
    in_utt = False
    since_check = 0
    last_partial = ""
    while True:
        header = read_exact(stdin, 9)
        if header is None:
            return
        kind, utt, length = struct.unpack("<cII", header)
        payload = read_exact(stdin, length) if length else b""
        if payload is None:
            return
        if kind == b"A":
            if utt != current or not in_utt:
                if in_utt:
                    decoder.end_utt()
                decoder.start_utt()
                current, in_utt, since_check, last_partial = utt, True, 0, ""
            decoder.process_raw(payload, False, False)
            since_check += length // 2
            if since_check >= 1600:
                since_check = 0
                hyp = decoder.hyp()
                text = hyp.hypstr if hyp is not None else ""
                if text != last_partial:
                    last_partial = text
                    emit({"t": "partial", "u": utt, "text": text})
        elif kind == b"F":
            text = ""
            if in_utt and utt == current:
                decoder.end_utt()
                hyp = decoder.hyp()
                text = hyp.hypstr if hyp is not None else ""
            elif in_utt:
                decoder.end_utt()
            in_utt = False
            emit({"t": "final", "u": utt, "text": text})
        elif kind == b"R":
            if in_utt:
                decoder.end_utt()
            in_utt = False
        elif kind == b"Q":
            return

try:
    main()
except Exception as e:
    emit({"t": "error", "message": str(e)})
    sys.exit(1)
`;
