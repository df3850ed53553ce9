//! Token counts per feature, drawn from documented anchors instead of guessed ranges.
//!
//! Each feature's prompt and answer sizes are a distribution given by its quantiles (tokens at
//! cumulative probabilities, log-linear in between), so an anchor's percentiles are reproduced exactly
//! rather than approximated by a fitted curve. Chat and code take their shape from a real production
//! trace, the Azure LLM inference trace 2023 (Patel et al., "Splitwise", ISCA 2024; the files are in
//! `shared/data/azure-llm-trace-2023`), scaled where 2026 traffic legitimately differs; the features
//! with no public trace take theirs from the vendor or framework figure that fixes their size. Every
//! number's source is written next to it. Prompt and answer are drawn independently (the trace's
//! Spearman correlation is 0.07 for conversations and -0.02 for code), except translation, whose
//! answer is the prompt in another language.
use finops_core::schema::Feature;

/// Tokens at cumulative probabilities: `(p, tokens)`, `p` from 0 to 1, both increasing.
pub type Knots = &'static [(f64, f64)];

/// How an answer's size is drawn.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// Independently of the prompt, from these quantiles.
    Quantiles(Knots),
    /// As the prompt times a log-normal ratio (median, sigma of its log).
    RatioOfPrompt { median: f64, sigma: f64 },
}

/// The size of one feature's calls: prompt (visible input, cached part included) and visible answer
/// (reasoning tokens come on top, drawn per model).
#[derive(Debug, Clone, Copy)]
pub struct TokenShape {
    pub prompt: Knots,
    pub answer: Answer,
}

/// The 2023 trace's conversation prompts (`conv.csv`: 19,366 requests; p0, p1, p5, p10, p25, p50, p75,
/// p90, p95, p99, p99.9, p100 of `ContextTokens`).
pub const TRACE_CONV_PROMPT: Knots = &[
    (0.0, 2.0),
    (0.01, 29.0),
    (0.05, 181.0),
    (0.10, 207.0),
    (0.25, 396.0),
    (0.50, 1020.0),
    (0.75, 1189.0),
    (0.90, 2734.0),
    (0.95, 4083.0),
    (0.99, 4142.0),
    (0.999, 6179.0),
    (1.0, 14050.0),
];
/// The 2023 trace's conversation answers (`GeneratedTokens`, same percentiles).
pub const TRACE_CONV_ANSWER: Knots = &[
    (0.0, 7.0),
    (0.01, 16.0),
    (0.05, 41.0),
    (0.10, 54.0),
    (0.25, 85.0),
    (0.50, 129.0),
    (0.75, 395.0),
    (0.90, 424.0),
    (0.95, 451.0),
    (0.99, 601.0),
    (0.999, 954.0),
    (1.0, 1000.0),
];
/// The 2023 trace's code prompts (`code.csv`: 8,819 requests, same percentiles).
pub const TRACE_CODE_PROMPT: Knots = &[
    (0.0, 3.0),
    (0.01, 17.0),
    (0.05, 75.0),
    (0.10, 147.0),
    (0.25, 578.0),
    (0.50, 1469.0),
    (0.75, 2744.0),
    (0.90, 5188.0),
    (0.95, 7303.0),
    (0.99, 7436.0),
    (0.999, 7437.0),
    (1.0, 7437.0),
];
/// The 2023 trace's code answers (same percentiles).
pub const TRACE_CODE_ANSWER: Knots = &[
    (0.0, 6.0),
    (0.01, 6.0),
    (0.05, 6.0),
    (0.10, 7.0),
    (0.25, 9.0),
    (0.50, 13.0),
    (0.75, 24.0),
    (0.90, 55.0),
    (0.95, 90.0),
    (0.99, 251.0),
    (0.999, 825.0),
    (1.0, 1899.0),
];

/// How much longer 2026 prompts are than the 2023 trace's. OpenRouter and a16z, "State of AI: an
/// empirical 100 trillion token study" (December 2025): the average prompt per request grew about 4x
/// during 2025, to about 5,000 tokens in the non-programming categories and over 20,000 in
/// programming, with system prompts, retrieved documents, tool definitions and histories. We scale the
/// trace by 3 (a conversation mean of about 3,800 tokens, below OpenRouter's 5,000 because its
/// largest category, roleplay, carries very long histories) and leave agentic coding, the source of
/// the 20,000-token programming prompts, to the agent feature.
pub const PROMPT_GROWTH_2026: f64 = 3.0;

/// The trace's prompts end at the 4k and 8k context windows of 2023 (its p95 to p100 are that
/// truncation). 2026 windows of 128k to 1M tokens let the tail continue: above p95 the quantiles
/// grow by this factor per step (p95 -> p99 -> p99.9 -> p100), about the trace's own p90 -> p95
/// growth squared.
const TAIL_STEP: f64 = 2.2;

/// 2026 conversation prompts: the trace times [`PROMPT_GROWTH_2026`] up to p95, then the tail of
/// [`TAIL_STEP`] (p99 27k, p99.9 59k, p100 130k).
pub const CHAT_PROMPT: Knots = &[
    (0.0, 6.0),
    (0.01, 87.0),
    (0.05, 543.0),
    (0.10, 621.0),
    (0.25, 1188.0),
    (0.50, 3060.0),
    (0.75, 3567.0),
    (0.90, 8202.0),
    (0.95, 12249.0),
    (0.99, 12249.0 * TAIL_STEP),
    (0.999, 12249.0 * TAIL_STEP * TAIL_STEP),
    (1.0, 12249.0 * TAIL_STEP * TAIL_STEP * TAIL_STEP),
];
/// 2026 conversation answers: the trace's visible answers up to p99. OpenRouter's growth of completion
/// tokens (about 3x in 2025) is reasoning, which is drawn separately per model; above p99 the 2023
/// cap of 1,000 tokens (`max_tokens` defaults of the time) gives way to longer answers.
pub const CHAT_ANSWER: Knots = &[
    (0.0, 7.0),
    (0.01, 16.0),
    (0.05, 41.0),
    (0.10, 54.0),
    (0.25, 85.0),
    (0.50, 129.0),
    (0.75, 395.0),
    (0.90, 424.0),
    (0.95, 451.0),
    (0.99, 601.0),
    (0.999, 1500.0),
    (1.0, 4000.0),
];
/// 2026 code-completion prompts: the trace times [`PROMPT_GROWTH_2026`] up to p95 (editors now send
/// more of the repository), then the [`TAIL_STEP`] tail instead of the 8k truncation.
pub const CODE_PROMPT: Knots = &[
    (0.0, 9.0),
    (0.01, 51.0),
    (0.05, 225.0),
    (0.10, 441.0),
    (0.25, 1734.0),
    (0.50, 4407.0),
    (0.75, 8232.0),
    (0.90, 15564.0),
    (0.95, 21909.0),
    (0.99, 21909.0 * TAIL_STEP),
    (0.999, 21909.0 * TAIL_STEP * TAIL_STEP),
    (1.0, 21909.0 * TAIL_STEP * TAIL_STEP * TAIL_STEP),
];

/// Search (retrieval-augmented answers): the prompt is a system prompt, the question and the retrieved
/// chunks. Chunks are 1,024 tokens by default in Vertex AI RAG Engine and LlamaIndex's
/// `SentenceSplitter`, and 2 to 10 are retrieved (LlamaIndex's `similarity_top_k` is 2, typical
/// pipelines use 5): 2k to 10k tokens, more with long chunks or reranking windows.
pub const SEARCH_PROMPT: Knots =
    &[(0.0, 500.0), (0.10, 1800.0), (0.50, 4200.0), (0.90, 9500.0), (0.99, 22000.0), (1.0, 60000.0)];
/// Summaries: the document in (reports, tickets, transcripts; long ones fit 2026 windows), a paragraph
/// to a page out.
pub const SUMMARIZE_PROMPT: Knots =
    &[(0.0, 300.0), (0.10, 1500.0), (0.50, 6000.0), (0.90, 30000.0), (0.99, 110000.0), (1.0, 400000.0)];
pub const SUMMARIZE_ANSWER: Knots =
    &[(0.0, 20.0), (0.10, 80.0), (0.50, 250.0), (0.90, 700.0), (0.99, 1600.0), (1.0, 4000.0)];
/// Translation: a message to a document in; the answer is the same text in another language, whose
/// token count differs by the tokenizer's efficiency on each language (median 1.1x, most within
/// 0.75x to 1.6x).
pub const TRANSLATE_PROMPT: Knots =
    &[(0.0, 10.0), (0.10, 60.0), (0.50, 400.0), (0.90, 2500.0), (0.99, 8000.0), (1.0, 30000.0)];
/// Agent steps: every call resends the tool definitions and the run's history (OpenRouter's
/// programming prompts average over 20,000 tokens in late 2025, driven by agentic coding tools), and
/// mostly answers with a tool call.
pub const AGENT_PROMPT: Knots =
    &[(0.0, 2000.0), (0.10, 6000.0), (0.50, 18000.0), (0.90, 60000.0), (0.99, 150000.0), (1.0, 400000.0)];
pub const AGENT_ANSWER: Knots =
    &[(0.0, 10.0), (0.10, 40.0), (0.50, 200.0), (0.90, 1200.0), (0.99, 4000.0), (1.0, 16000.0)];
/// Vision: images are tokens by their size (Anthropic: width x height / 750, about 1,600 for a
/// 1.15-megapixel image; OpenAI: 85 + 170 per 512-pixel tile, 765 for 1024x1024), one to a few per
/// call, with a short text prompt; answers are short descriptions or extractions.
pub const VISION_PROMPT: Knots =
    &[(0.0, 100.0), (0.10, 600.0), (0.50, 1800.0), (0.90, 5000.0), (0.99, 12000.0), (1.0, 40000.0)];
pub const SHORT_ANSWER: Knots =
    &[(0.0, 5.0), (0.10, 40.0), (0.50, 150.0), (0.90, 500.0), (0.99, 1200.0), (1.0, 4000.0)];
/// Voice: transcribed spoken turns with the assistant's instructions; spoken answers are short.
pub const VOICE_PROMPT: Knots =
    &[(0.0, 30.0), (0.10, 200.0), (0.50, 900.0), (0.90, 3000.0), (0.99, 8000.0), (1.0, 30000.0)];
pub const VOICE_ANSWER: Knots = &[(0.0, 3.0), (0.10, 15.0), (0.50, 60.0), (0.90, 180.0), (0.99, 400.0), (1.0, 1500.0)];
/// Structured extraction: a page to a document in, a JSON object out.
pub const EXTRACT_PROMPT: Knots =
    &[(0.0, 100.0), (0.10, 800.0), (0.50, 3000.0), (0.90, 12000.0), (0.99, 40000.0), (1.0, 150000.0)];
pub const EXTRACT_ANSWER: Knots =
    &[(0.0, 5.0), (0.10, 40.0), (0.50, 180.0), (0.90, 700.0), (0.99, 2000.0), (1.0, 8000.0)];

/// The token shape of each feature.
pub fn token_shape(f: Feature) -> TokenShape {
    match f {
        Feature::Chat => TokenShape { prompt: CHAT_PROMPT, answer: Answer::Quantiles(CHAT_ANSWER) },
        // Code completion: the trace's code workload is completions (p50 13 tokens out).
        Feature::Code => TokenShape { prompt: CODE_PROMPT, answer: Answer::Quantiles(TRACE_CODE_ANSWER) },
        // Answers grounded in documents read like chat answers.
        Feature::Search => TokenShape { prompt: SEARCH_PROMPT, answer: Answer::Quantiles(CHAT_ANSWER) },
        Feature::Summarize => TokenShape { prompt: SUMMARIZE_PROMPT, answer: Answer::Quantiles(SUMMARIZE_ANSWER) },
        Feature::Translate => {
            TokenShape { prompt: TRANSLATE_PROMPT, answer: Answer::RatioOfPrompt { median: 1.1, sigma: 0.2 } }
        }
        Feature::Agent => TokenShape { prompt: AGENT_PROMPT, answer: Answer::Quantiles(AGENT_ANSWER) },
        Feature::Vision => TokenShape { prompt: VISION_PROMPT, answer: Answer::Quantiles(SHORT_ANSWER) },
        Feature::Voice => TokenShape { prompt: VOICE_PROMPT, answer: Answer::Quantiles(VOICE_ANSWER) },
        Feature::Extract => TokenShape { prompt: EXTRACT_PROMPT, answer: Answer::Quantiles(EXTRACT_ANSWER) },
    }
}

/// A quantile function ready for sampling: log-linear segments between the knots.
#[derive(Debug, Clone)]
pub struct Quantiles {
    /// One segment per pair of knots: (p where it starts, ln tokens there, d ln tokens / dp).
    segments: Vec<(f64, f64, f64)>,
    /// For each of `CELLS` equal slices of [0, 1), the segment its lower end falls in: `at` starts
    /// there and steps at most a few segments on, instead of a binary search per draw (the simulator
    /// draws several quantiles per call).
    start: [u8; CELLS],
}

const CELLS: usize = 128;

impl Quantiles {
    pub fn new(knots: Knots) -> Quantiles {
        debug_assert!(knots.first().is_some_and(|k| k.0 == 0.0) && knots.last().is_some_and(|k| k.0 == 1.0));
        debug_assert!(knots.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1));
        debug_assert!(knots.len() <= usize::from(u8::MAX));
        let segments: Vec<(f64, f64, f64)> = knots
            .windows(2)
            .map(|w| {
                let ((p0, x0), (p1, x1)) = ((w[0].0, w[0].1.ln()), (w[1].0, w[1].1.ln()));
                (p0, x0, (x1 - x0) / (p1 - p0))
            })
            .collect();
        let mut start = [0u8; CELLS];
        for (c, s) in start.iter_mut().enumerate() {
            let lo = c as f64 / CELLS as f64;
            *s = (segments.partition_point(|seg| seg.0 <= lo).max(1) - 1) as u8;
        }
        Quantiles { segments, start }
    }

    /// The tokens at cumulative probability `u` (in [0, 1)): log-linear between the knots.
    pub fn at(&self, u: f64) -> f64 {
        let segs = &self.segments;
        let mut i = usize::from(self.start[((u * CELLS as f64) as usize).min(CELLS - 1)]);
        while i + 1 < segs.len() && segs[i + 1].0 <= u {
            i += 1;
        }
        let (p0, x0, slope) = segs[i];
        (x0 + (u - p0) * slope).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_reproduce_their_knots_and_interpolate_in_log_space() {
        let q = Quantiles::new(TRACE_CONV_PROMPT);
        for (p, x) in TRACE_CONV_PROMPT.iter().filter(|k| k.0 < 1.0) {
            assert!((q.at(*p) - x).abs() < 1e-9 * x, "p{p}: {} vs {x}", q.at(*p));
        }
        // Half way between p25 (396) and p50 (1020) in probability is their geometric mean.
        assert!((q.at(0.375) - (396.0f64 * 1020.0).sqrt()).abs() < 1e-6);
        // The guide table lands in the segment a binary search over the knots finds.
        for k in 0..100_000 {
            let u = f64::from(k) / 100_000.0;
            let i = TRACE_CONV_PROMPT.partition_point(|(p, _)| *p <= u).clamp(1, TRACE_CONV_PROMPT.len() - 1);
            let ((p0, x0), (p1, x1)) = (TRACE_CONV_PROMPT[i - 1], TRACE_CONV_PROMPT[i]);
            let expected = (x0.ln() + (u - p0) / (p1 - p0) * (x1.ln() - x0.ln())).exp();
            assert!((q.at(u) - expected).abs() < 1e-9 * expected, "u = {u}");
        }
        // Every shape is a valid quantile function.
        for f in Feature::ALL {
            let s = token_shape(*f);
            Quantiles::new(s.prompt);
            if let Answer::Quantiles(k) = s.answer {
                Quantiles::new(k);
            }
        }
    }

    #[test]
    fn the_2026_prompts_are_the_trace_scaled_below_p95() {
        for (scaled, trace) in [(CHAT_PROMPT, TRACE_CONV_PROMPT), (CODE_PROMPT, TRACE_CODE_PROMPT)] {
            for ((p, s), (_, t)) in scaled.iter().zip(trace.iter()).filter(|(a, _)| a.0 <= 0.95) {
                assert!((s / t - PROMPT_GROWTH_2026).abs() < 0.01, "p{p}: {s} vs {t}");
            }
        }
    }
}
