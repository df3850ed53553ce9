"""A local stand-in for the OpenAI and Anthropic HTTP APIs, for recording real instrumentation's spans.

Each request's last user message carries the response it wants, as JSON after the word `finops-usage`:
`{"model": "...", "in": 1200, "out": 300, "cached": 1000, "write": 0, "reasoning": 0, "tier": "default",
"status": 200, "error": "rate_limit_error"}`. `in` is the whole prompt (cache reads and writes included);
the Anthropic response splits it the way Anthropic's API does (`input_tokens` is the uncached part).
"""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_counter = iter(range(1, 1_000_000))


def _wanted(body):
    text = ""
    for m in body.get("messages", []) or []:
        c = m.get("content")
        if isinstance(c, str):
            text = c
        elif isinstance(c, list):
            text = " ".join(p.get("text", "") for p in c if isinstance(p, dict))
    if isinstance(body.get("input"), str):
        text = body["input"]
    if isinstance(body.get("input"), list):
        text = " ".join(x for x in body["input"] if isinstance(x, str))
    if "finops-usage" not in text:
        return {}
    return json.loads(text.split("finops-usage", 1)[1])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, payload, headers=None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, events):
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for i, (name, payload) in enumerate(events):
            chunk = (f"event: {name}\n" if name else "") + f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n"
            raw = chunk.encode()
            self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
            self.wfile.flush()
            time.sleep(0.03 if i == 0 else 0.005)
        self.wfile.write(b"0\r\n\r\n")

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        w = _wanted(body)
        n = next(_counter)
        time.sleep(w.get("delay", 0.02))
        status = w.get("status", 200)
        model = w.get("model", body.get("model"))
        inp, out = w.get("in", 10), w.get("out", 5)
        cached, write, reasoning = w.get("cached", 0), w.get("write", 0), w.get("reasoning", 0)
        if self.path.endswith("/messages"):
            self._anthropic(body, n, status, w, model, inp, out, cached, write, reasoning)
        elif self.path.endswith("/embeddings"):
            if status != 200:
                return self._openai_error(status, w)
            self._send(200, {"object": "list", "model": model,
                             "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
                             "usage": {"prompt_tokens": inp, "total_tokens": inp}})
        else:
            if status != 200:
                return self._openai_error(status, w)
            usage = {"prompt_tokens": inp, "completion_tokens": out, "total_tokens": inp + out,
                     "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                     "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0}}
            base = {"id": f"chatcmpl-{n:06d}", "created": int(time.time()), "model": model,
                    "service_tier": w.get("tier", "default"), "system_fingerprint": "fp_finops"}
            if body.get("stream"):
                events = [(None, {**base, "object": "chat.completion.chunk",
                                  "choices": [{"index": 0, "delta": {"role": "assistant", "content": "o"}, "finish_reason": None}]}),
                          (None, {**base, "object": "chat.completion.chunk",
                                  "choices": [{"index": 0, "delta": {"content": "k"}, "finish_reason": "stop"}]}),
                          (None, {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}),
                          (None, "[DONE]")]
                return self._sse(events)
            self._send(200, {**base, "object": "chat.completion",
                             "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                          "finish_reason": "stop", "logprobs": None}],
                             "usage": usage})

    def _openai_error(self, status, w):
        kind = {429: ("rate_limit_exceeded", "requests"), 500: ("server_error", "server_error")}.get(status, ("error", "error"))
        self._send(status, {"error": {"message": w.get("error", "error"), "type": kind[1], "code": kind[0]}},
                   {"x-should-retry": "false"})

    def _anthropic(self, body, n, status, w, model, inp, out, cached, write, reasoning):
        if status != 200:
            return self._send(status, {"type": "error", "error": {"type": w.get("error", "api_error"), "message": "failed"}},
                              {"x-should-retry": "false", "request-id": f"req_{n:06d}"})
        usage = {"input_tokens": inp - cached - write, "output_tokens": out,
                 "cache_read_input_tokens": cached, "cache_creation_input_tokens": write,
                 "cache_creation": {"ephemeral_5m_input_tokens": write, "ephemeral_1h_input_tokens": 0},
                 "service_tier": "standard"}
        if reasoning:
            usage["output_tokens_details"] = {"thinking_tokens": reasoning}
        msg = {"id": f"msg_{n:06d}", "type": "message", "role": "assistant", "model": model,
               "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "stop_sequence": None,
               "usage": usage}
        headers = {"request-id": f"req_{n:06d}", "anthropic-organization-id": "org-finops-test"}
        if body.get("stream"):
            start = {**msg, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
            events = [("message_start", {"type": "message_start", "message": start}),
                      ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
                      ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "ok"}}),
                      ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                      ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                         "usage": {"output_tokens": out, "input_tokens": inp - cached - write,
                                                   "cache_read_input_tokens": cached, "cache_creation_input_tokens": write}}),
                      ("message_stop", {"type": "message_stop"})]
            return self._sse(events)
        self._send(200, msg, headers)


def start():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
