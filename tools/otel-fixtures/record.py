"""Records OTLP/JSON span files with real GenAI instrumentation against fake_llm_api (no network).

    python record.py EMITTER OUT.jsonl

EMITTER is one of: openai-v2 (whichever opentelemetry-instrumentation-openai-v2 is installed),
anthropic-sdk (the anthropic SDK's built-in tracing), openllmetry-anthropic (Traceloop's
opentelemetry-instrumentation-anthropic), anthropic-both (both at once: two spans per call).
Spans are written by opentelemetry-exporter-otlp-json-file through a BatchSpanProcessor. The application
around the calls is what a real service has: a resource (service.name, deployment environment), a server
span per request carrying app attributes, an application span that is not a GenAI call, and baggage
(enduser.id, organization.id) copied onto every span by opentelemetry-processor-baggage.
"""
import json
import os
import sys

emitter, out_path = sys.argv[1], sys.argv[2]
if emitter == "openllmetry-anthropic":
    os.environ["ANTHROPIC_OPEN_TELEMETRY"] = "false"

from opentelemetry import baggage, context, trace  # noqa: E402
from opentelemetry.exporter.otlp.json.file import FileSpanExporter  # noqa: E402
from opentelemetry.processor.baggage import ALLOW_ALL_BAGGAGE_KEYS, BaggageSpanProcessor  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import BatchSpanProcessor  # noqa: E402

import fake_llm_api  # noqa: E402

if os.path.exists(out_path):
    os.remove(out_path)
provider = TracerProvider(resource=Resource.create({
    "service.name": "support-assistant",
    "service.version": "4.2.0",
    "deployment.environment.name": "staging" if emitter == "openllmetry-anthropic" else "production",
    "cloud.region": "eu-west-1",
}))
provider.add_span_processor(BaggageSpanProcessor(ALLOW_ALL_BAGGAGE_KEYS))
provider.add_span_processor(BatchSpanProcessor(FileSpanExporter(out_path), max_export_batch_size=4))
trace.set_tracer_provider(provider)
app = trace.get_tracer("support-assistant")
server, base = fake_llm_api.start()


def ask(**wanted):
    return "Answer briefly. finops-usage " + json.dumps(wanted)


def in_request(customer, org, feature, call):
    """One request of the application: baggage, a server span, an app span, then the LLM call."""
    token = context.attach(baggage.set_baggage("organization.id", org,
                                               baggage.set_baggage("enduser.id", customer)))
    try:
        with app.start_as_current_span("POST /v1/assist", kind=trace.SpanKind.SERVER,
                                       attributes={"app.customer_id": customer, "app.feature": feature}):
            with app.start_as_current_span("load conversation", attributes={"db.system": "postgresql"}):
                pass
            try:
                call()
            except Exception as e:  # the failed calls are part of the recording
                print(f"  {type(e).__name__}", file=sys.stderr)
    finally:
        context.detach(token)


if emitter == "openai-v2":
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
    import openai

    OpenAIInstrumentor().instrument()
    client = openai.OpenAI(base_url=base + "/v1", api_key="test", max_retries=0)

    def chat(req_model, stream=False, service_tier=None, **w):
        def call():
            extra = {"service_tier": service_tier} if service_tier else {}
            if stream:
                extra["stream"] = True
                extra["stream_options"] = {"include_usage": True}
            r = client.chat.completions.create(model=req_model, messages=[{"role": "user", "content": ask(**w)}], **extra)
            if stream:
                for _ in r:
                    pass
        return call

    def embed(req_model, **w):
        return lambda: client.embeddings.create(model=req_model, input=ask(**w))

    plan = [
        ("cust_0001", "org_001", "chat", chat("gpt-4o-mini", model="gpt-4o-mini-2024-07-18", **{"in": 1200, "out": 150, "cached": 1024})),
        ("cust_0001", "org_001", "chat", chat("gpt-4o-mini", model="gpt-4o-mini-2024-07-18", **{"in": 640, "out": 90})),
        ("cust_0002", "org_001", "agent", chat("gpt-5", service_tier="flex", model="gpt-5-2025-08-07", **{"in": 3000, "out": 900, "reasoning": 640, "tier": "flex"})),
        ("cust_0003", "org_002", "code", chat("gpt-5", model="gpt-5-2025-08-07", **{"in": 2200, "out": 1400, "reasoning": 1024})),
        ("cust_0003", "org_002", "code", chat("gpt-4o-2024-05-13", model="gpt-4o-2024-05-13", **{"in": 500, "out": 250})),
        ("cust_0004", "org_002", "search", embed("text-embedding-3-small", model="text-embedding-3-small", **{"in": 42})),
        ("cust_0004", "org_002", "search", embed("text-embedding-3-small", model="text-embedding-3-small", **{"in": 17})),
        ("cust_0005", "org_003", "chat", chat("gpt-4o-mini", model="gpt-4o-mini", status=429, error="Rate limit reached")),
        ("cust_0005", "org_003", "chat", chat("gpt-4o-mini", model="gpt-4o-mini", status=500, error="internal")),
        ("cust_0006", "org_003", "chat", chat("gpt-4o-mini", stream=True, model="gpt-4o-mini-2024-07-18", **{"in": 300, "out": 40, "delay": 0.05})),
        ("cust_0006", "org_003", "chat", chat("acme-finetune-7b", model="acme-finetune-7b", **{"in": 100, "out": 20})),
    ]
else:
    import anthropic

    if emitter in ("openllmetry-anthropic", "anthropic-both"):
        from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor

        AnthropicInstrumentor().instrument()
    client = anthropic.Anthropic(base_url=base, api_key="test", max_retries=0)

    def msg(req_model, stream=False, **w):
        def call():
            args = dict(model=req_model, max_tokens=1024, messages=[{"role": "user", "content": ask(**w)}])
            if stream:
                with client.messages.stream(**args) as s:
                    for _ in s.text_stream:
                        pass
            else:
                client.messages.create(**args)
        return call

    plan = [
        ("cust_0101", "org_010", "chat", msg("claude-sonnet-4-6", model="claude-sonnet-4-6", **{"in": 5200, "out": 310, "cached": 4096})),
        ("cust_0101", "org_010", "chat", msg("claude-sonnet-4-6", model="claude-sonnet-4-6", **{"in": 4300, "out": 280, "write": 4096})),
        ("cust_0102", "org_010", "summarize", msg("claude-haiku-4-5", model="claude-haiku-4-5-20251001", **{"in": 9000, "out": 700, "cached": 6000, "write": 2048})),
        ("cust_0102", "org_010", "agent", msg("claude-sonnet-4-6", model="claude-sonnet-4-6", **{"in": 2000, "out": 1500, "reasoning": 900})),
        ("cust_0103", "org_011", "chat", msg("claude-sonnet-4-6", stream=True, model="claude-sonnet-4-6", **{"in": 800, "out": 120, "cached": 512})),
        ("cust_0103", "org_011", "chat", msg("claude-haiku-4-5", model="claude-haiku-4-5", status=529, error="overloaded_error")),
        ("cust_0104", "org_011", "chat", msg("claude-haiku-4-5", model="claude-haiku-4-5", status=429, error="rate_limit_error")),
        ("cust_0104", "org_011", "extract", msg("claude-3-5-haiku-20241022", model="claude-3-5-haiku-20241022", **{"in": 1500, "out": 200})),
    ]

for customer, org, feature, call in plan:
    in_request(customer, org, feature, call)
provider.shutdown()
server.shutdown()
