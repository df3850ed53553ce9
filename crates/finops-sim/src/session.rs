//! Sessions: how one customer's calls hang together in time.
//!
//! Real traffic is not a smooth Poisson stream: a conversation is a run of turns seconds apart, an
//! agent fires a burst of tool-calling steps, a pipeline submits a document's pages one after the other
//! and a batch job submits its requests as one block. The simulator keeps each customer's calls per
//! hour exactly as calibrated (a Poisson count around the customer's rate), then groups them by feature
//! into sessions with the lengths and pauses below; conversations and agent runs resend their history,
//! so prompts grow along a session and each call reads the previous call's prompt from the prompt cache.
//! Every number's source is written next to it; the ones no public trace fixes say so.
use finops_core::schema::Feature;

use crate::tokens::Knots;

/// How many calls a session has.
#[derive(Debug, Clone, Copy)]
pub enum Calls {
    /// Geometric on 1, 2, 3, ... with this mean (a constant chance to stop after each call).
    Geometric { mean: f64 },
    /// From these quantiles (calls at cumulative probabilities, log-linear in between, rounded).
    Quantiles(Knots),
}

/// When a session's next call starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pacing {
    /// After the previous answer has arrived, plus the pause (a person reads and types, an agent runs
    /// its tool).
    AfterAnswer,
    /// The pause after the previous call's start, without waiting for its answer (a pipeline).
    Submitted,
}

/// The session structure of one feature.
#[derive(Debug, Clone, Copy)]
pub struct SessionShape {
    pub calls: Calls,
    /// Seconds of pause between calls, as quantiles.
    pub pause_s: Knots,
    pub pacing: Pacing,
    /// `Some(spread)` when each call resends the session so far (conversation history, an agent's
    /// trajectory): the prompts grow along the session, spanning about `spread` of the feature's prompt
    /// distribution, and each call can read the previous prompt from the prompt cache. `None` when the
    /// calls carry different documents.
    pub history: Option<f64>,
}

/// Pauses between a chatbot's turns, from the end of an answer to the user's next request, measured on
/// a production trace (Alibaba Bailian, qwen3-max chat: 42,228 gaps over 32,262 multi-turn sessions;
/// the agentic-kvc characterization, `scripts/plot_inter_turn_gap.py`, 2026): p25 4.85 s, p50 7.18 s,
/// p75 8.22 s, p90 15.0 s, p99 43 s; 98% are under 30 s.
pub const CHAT_PAUSE_S: Knots =
    &[(0.0, 0.5), (0.25, 4.85), (0.50, 7.18), (0.75, 8.22), (0.90, 15.0), (0.99, 43.0), (1.0, 120.0)];

/// Pauses between the steps of coding agents, measured the same way on production Qwen3-Coder traffic
/// (783k gaps over 127k multi-turn sessions): p25 0.69 s, p50 1.6 s, p75 8.6 s, p90 44 s; 39% under a
/// second (tool calls run locally). That trace's p99 of 738 s is people stepping away between
/// requests; within one run a tool rarely takes more than two minutes, so the tail is capped there.
pub const AGENT_PAUSE_S: Knots = &[(0.0, 0.1), (0.25, 0.69), (0.50, 1.6), (0.75, 8.6), (0.90, 44.0), (1.0, 120.0)];

/// Model calls per agent request (one user-initiated step and the tool-initiated steps it triggers),
/// measured on 4,265 Claude Code and Codex sessions (University of Washington TraceLab, 2026:
/// tool-initiated steps per request average 7.8, p25 0, p50 1, p90 20, p99 86).
pub const AGENT_STEPS: Knots = &[(0.0, 1.0), (0.25, 1.0), (0.50, 2.0), (0.90, 21.0), (0.99, 87.0), (1.0, 200.0)];

/// Pipelines (translation of a document's chunks, extraction of its pages) submit the next request
/// as soon as they have prepared it: tens of milliseconds to a couple of seconds. No public trace
/// fixes this; it is the order of a client's request preparation and a page's parsing.
pub const PIPELINE_PAUSE_S: Knots = &[(0.0, 0.01), (0.50, 0.3), (0.90, 2.0), (1.0, 10.0)];

/// The session structure of each feature.
pub fn session_shape(f: Feature) -> SessionShape {
    match f {
        // Conversations: ShareGPT's 94,145 conversations have 3.51 turns on average (330,239 turns;
        // table 1 of Yan et al., "ShareChat", arXiv 2512.17843, whose own 2023-2025 conversations on five
        // platforms average 4.62), and 73% have more than one turn (Gao et al., "CachedAttention",
        // USENIX ATC 2024); a geometric length with mean 3.5 has 71%. Turns resend the conversation:
        // a session spans about a third of the prompt distribution.
        Feature::Chat => SessionShape {
            calls: Calls::Geometric { mean: 3.5 },
            pause_s: CHAT_PAUSE_S,
            pacing: Pacing::AfterAnswer,
            history: Some(0.3),
        },
        // Coding assistants: most 2026 coding traffic comes from agentic tools (OpenRouter and a16z,
        // "State of AI", December 2025), so code requests follow the coding agents' pauses; a session
        // of completions and edits in one file resends that file (assumption: 6 calls on average, the
        // context moving within a fifth of the distribution).
        Feature::Code => SessionShape {
            calls: Calls::Geometric { mean: 6.0 },
            pause_s: AGENT_PAUSE_S,
            pacing: Pacing::AfterAnswer,
            history: Some(0.2),
        },
        // Retrieval-augmented answers: a question and a follow-up or two (assumption: 1.5 on average);
        // each call carries newly retrieved chunks, so there is no shared prefix worth caching.
        Feature::Search => SessionShape {
            calls: Calls::Geometric { mean: 1.5 },
            pause_s: CHAT_PAUSE_S,
            pacing: Pacing::AfterAnswer,
            history: None,
        },
        // Summaries: a few documents in a row, or a batch job's requests submitted as one block
        // (assumption: 2 on average).
        Feature::Summarize => SessionShape {
            calls: Calls::Geometric { mean: 2.0 },
            pause_s: PIPELINE_PAUSE_S,
            pacing: Pacing::Submitted,
            history: None,
        },
        // Translation of a document chunk by chunk (assumption: 3 chunks on average).
        Feature::Translate => SessionShape {
            calls: Calls::Geometric { mean: 3.0 },
            pause_s: PIPELINE_PAUSE_S,
            pacing: Pacing::Submitted,
            history: None,
        },
        // Agent runs: TraceLab's steps per request; the trajectory grows along the run.
        Feature::Agent => SessionShape {
            calls: Calls::Quantiles(AGENT_STEPS),
            pause_s: AGENT_PAUSE_S,
            pacing: Pacing::AfterAnswer,
            history: Some(0.3),
        },
        // Image questions: one image and a follow-up now and then (assumption: 1.5 on average).
        Feature::Vision => SessionShape {
            calls: Calls::Geometric { mean: 1.5 },
            pause_s: CHAT_PAUSE_S,
            pacing: Pacing::AfterAnswer,
            history: None,
        },
        // Spoken conversations: more, shorter turns than typed chat (assumption: 6 on average).
        Feature::Voice => SessionShape {
            calls: Calls::Geometric { mean: 6.0 },
            pause_s: CHAT_PAUSE_S,
            pacing: Pacing::AfterAnswer,
            history: Some(0.3),
        },
        // Extraction from a document page by page (assumption: 4 pages on average).
        Feature::Extract => SessionShape {
            calls: Calls::Geometric { mean: 4.0 },
            pause_s: PIPELINE_PAUSE_S,
            pacing: Pacing::Submitted,
            history: None,
        },
    }
}

/// Prompt caches keep a prefix this long after its last use: Anthropic's default time to live is 5
/// minutes, refreshed on every hit; OpenAI keeps cached prefixes for 5 to 10 minutes of inactivity.
pub const CACHE_TTL_MS: i64 = 5 * 60_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::Quantiles;

    #[test]
    fn every_shape_is_valid_and_the_sourced_ones_reproduce_their_anchor() {
        for f in Feature::ALL {
            let s = session_shape(*f);
            Quantiles::new(s.pause_s);
            if let Calls::Quantiles(k) = s.calls {
                Quantiles::new(k);
            }
            assert!(s.history.is_none_or(|w| w > 0.0 && w <= 1.0));
        }
        // TraceLab: one user-initiated step plus on average 7.8 tool-initiated steps per request.
        let steps = Quantiles::new(AGENT_STEPS);
        let n = 200_000;
        let mean = (0..n).map(|i| steps.at((f64::from(i) + 0.5) / f64::from(n)).round()).sum::<f64>() / f64::from(n);
        assert!((mean - 8.8).abs() < 0.9, "agent steps per run {mean}");
        let chat = Quantiles::new(CHAT_PAUSE_S);
        assert!((chat.at(0.5) - 7.18).abs() < 1e-9 && (chat.at(0.9) - 15.0).abs() < 1e-9);
    }
}
