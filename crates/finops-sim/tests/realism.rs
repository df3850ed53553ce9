//! Statistical checks that the simulated traffic matches its stated targets. One week of 3,000
//! customers (~1.3M calls) is generated once and shared; every expectation is recomputed here from
//! the raw calls with chrono, not with the simulator's own helpers.
use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use finops_core::schema::{Archetype, ErrorType, Region, Status, Tier};
use finops_sim::{Call, Program, SimConfig, Simulator};

const DAYS: u64 = 14;

struct World {
    sim: Simulator,
    calls: Vec<Call>,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let sim = Simulator::new(SimConfig {
            seed: 11,
            customers: 3000,
            organizations: 100,
            program: Program::none(),
            ..SimConfig::default()
        })
        .expect("valid config");
        let calls = (0..DAYS * 24).flat_map(|h| sim.hour_calls(h).expect("planned")).collect();
        World { sim, calls }
    })
}

fn offset(r: Region) -> i64 {
    match r {
        Region::UsEast1 => -5,
        Region::UsWest2 => -8,
        Region::EuWest1 => 0,
        Region::ApSoutheast1 => 8,
    }
}

fn local(ts_ms: i64, r: Region) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ts_ms).unwrap() + Duration::hours(offset(r))
}

/// Local dates fully inside the simulated window for customers living in `r`.
fn complete_local_days(r: Region) -> Vec<NaiveDate> {
    let start = world().sim.config().start;
    let end = start + Duration::days(DAYS as i64);
    let (ls, le) = (start + Duration::hours(offset(r)), end + Duration::hours(offset(r)));
    let mut d = ls.date_naive();
    if ls.time() != chrono::NaiveTime::MIN {
        d = d.succ_opt().unwrap();
    }
    let mut out = Vec::new();
    while d.and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::days(1) <= le {
        out.push(d);
        d = d.succ_opt().unwrap();
    }
    out
}

fn within(actual: f64, expected: f64, rel_tol: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= rel_tol * expected.abs(),
        "{what}: {actual:.4} not within {:.0}% of {expected:.4}",
        rel_tol * 100.0
    );
}

#[test]
fn population_shares_match_targets() {
    // Tolerance +-2.5 percentage points: ~3 standard errors for 3,000 customers.
    let pop = &world().sim.population();
    let n = pop.customers.len() as f64;
    for (a, target) in [(Archetype::Light, 0.70), (Archetype::Power, 0.20), (Archetype::Heavy, 0.10)] {
        let share = pop.customers.iter().filter(|c| c.archetype == a).count() as f64 / n;
        assert!((share - target).abs() < 0.025, "{a}: {share}");
    }
    for (t, target) in [(Tier::Starter, 0.50), (Tier::Pro, 0.35), (Tier::Enterprise, 0.15)] {
        let share = pop.customers.iter().filter(|c| c.tier == t).count() as f64 / n;
        assert!((share - target).abs() < 0.025, "{t}: {share}");
    }
}

#[test]
fn provider_shares_match_market_weights() {
    // Tolerance +-0.3 percentage points over ~1.3M independent draws.
    let w = world();
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for c in &w.calls {
        *counts.entry(w.sim.catalog().models[c.model as usize].provider.as_str()).or_default() += 1;
    }
    let n = w.calls.len() as f64;
    for (p, target) in [
        ("openai", 0.40),
        ("anthropic", 0.25),
        ("google", 0.15),
        ("bedrock", 0.10),
        ("azure", 0.07),
        ("mistral", 0.02),
        ("cohere", 0.01),
    ] {
        let share = counts.get(p).copied().unwrap_or(0) as f64 / n;
        assert!((share - target).abs() < 0.003, "{p}: {share:.4} vs {target}");
    }
}

#[test]
fn weekday_calls_per_day_follow_the_archetypes() {
    // Each customer's weekday rate is uniform in the archetype's range, so the archetype mean is the
    // range midpoint (tolerance 4%), and 90% of customers sit inside the range widened by Poisson noise.
    let w = world();
    let pop = &w.sim.population();
    let days: HashMap<Region, Vec<NaiveDate>> = Region::ALL.iter().map(|r| (*r, complete_local_days(*r))).collect();
    let mut weekday_calls = vec![0u64; pop.customers.len()];
    for c in &w.calls {
        let cust = &pop.customers[c.customer as usize];
        let d = local(c.ts_ms, cust.home_region).date_naive();
        if d.weekday().num_days_from_monday() < 5 && days[&cust.home_region].contains(&d) {
            weekday_calls[c.customer as usize] += 1;
        }
    }
    for (a, lo, hi) in
        [(Archetype::Light, 5.0, 20.0), (Archetype::Power, 50.0, 150.0), (Archetype::Heavy, 200.0, 500.0)]
    {
        let mut per_day: Vec<f64> = pop
            .customers
            .iter()
            .filter(|c| c.archetype == a)
            .map(|c| {
                let n_weekdays = days[&c.home_region].iter().filter(|d| d.weekday().num_days_from_monday() < 5).count();
                weekday_calls[c.index as usize] as f64 / n_weekdays as f64
            })
            .collect();
        let mean = per_day.iter().sum::<f64>() / per_day.len() as f64;
        within(mean, (lo + hi) / 2.0, 0.04, &format!("{a} weekday calls/day"));
        per_day.sort_by(f64::total_cmp);
        let p5 = per_day[per_day.len() / 20];
        let p95 = per_day[per_day.len() * 19 / 20];
        assert!(p5 > lo * 0.7 && p95 < hi * 1.15, "{a}: 5-95% of customers {p5:.1}..{p95:.1} vs range {lo}..{hi}");
    }
}

#[test]
fn day_of_week_and_hour_of_day_ratios() {
    let w = world();
    let pop = &w.sim.population();
    // weekday class -> calls, and (weekday) local hour -> calls, over complete local days.
    let mut by_weekday = [0f64; 7];
    let mut weekday_days = [0f64; 7];
    let mut by_hour = [0f64; 24];
    for r in Region::ALL {
        for d in complete_local_days(*r) {
            weekday_days[d.weekday().num_days_from_monday() as usize] += 1.0 / 4.0;
        }
    }
    let days: HashMap<Region, Vec<NaiveDate>> = Region::ALL.iter().map(|r| (*r, complete_local_days(*r))).collect();
    for c in &w.calls {
        let region = pop.customers[c.customer as usize].home_region;
        let t = local(c.ts_ms, region);
        if !days[&region].contains(&t.date_naive()) {
            continue;
        }
        let wd = t.weekday().num_days_from_monday() as usize;
        by_weekday[wd] += 1.0;
        if wd < 5 {
            by_hour[t.hour() as usize] += 1.0;
        }
    }
    // Every region has the same number of each weekday here (14 days), so pooled averages are fair.
    let avg = |d: usize| by_weekday[d] / weekday_days[d];
    let weekday_avg = (0..5).map(avg).sum::<f64>() / 5.0;
    within(avg(5) / weekday_avg, 0.4, 0.06, "Saturday / weekday");
    within(avg(6) / weekday_avg, 0.3, 0.06, "Sunday / weekday");
    let mean_of = |hours: &[usize]| hours.iter().map(|&h| by_hour[h]).sum::<f64>() / hours.len() as f64;
    let business = mean_of(&[9, 10, 11, 12, 13, 14, 15, 16]);
    within(mean_of(&[6, 7, 8]) / business, 0.6, 0.05, "early morning / business hours");
    within(mean_of(&[17, 18, 19, 20, 21]) / business, 0.8, 0.05, "evening / business hours");
    within(mean_of(&[22, 23, 0, 1, 2, 3, 4, 5]) / business, 0.3, 0.05, "night / business hours");
}

#[test]
fn failures_are_rare_typed_and_unbilled_or_partial() {
    let w = world();
    let mut by_status: HashMap<Status, u64> = HashMap::new();
    for c in &w.calls {
        *by_status.entry(c.status()).or_default() += 1;
        match c.error {
            ErrorType::None => assert_eq!(c.status(), Status::Success),
            ErrorType::RateLimitExceeded
            | ErrorType::InternalServerError
            | ErrorType::BadGateway
            | ErrorType::ServiceUnavailable
            | ErrorType::Overloaded => {
                assert_eq!(
                    (c.input_tokens, c.output_tokens, c.cost.0, c.ttft_ms),
                    (0, 0, 0, 0),
                    "unbilled failure {c:?}"
                );
            }
            ErrorType::ClientTimeout => {
                assert_eq!(c.latency_ms, 120_000);
                assert!(c.input_tokens > 0 && c.cost.0 > 0, "a timeout bills its prompt: {c:?}");
            }
        }
    }
    let n = w.calls.len() as f64;
    let failed = n - by_status[&Status::Success] as f64;
    assert!((0.01..=0.03).contains(&(failed / n)), "failure rate {}", failed / n);
    for s in [Status::RateLimited, Status::Timeout, Status::ServerError] {
        assert!(by_status.get(&s).copied().unwrap_or(0) > 100, "{s} missing");
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn tokens_are_consistent() {
    let w = world();
    for c in w.calls.iter().filter(|c| c.status() == Status::Success) {
        let model = &w.sim.catalog().models[c.model as usize];
        assert!(c.cached_input_tokens <= c.input_tokens);
        assert!(c.reasoning_tokens <= c.output_tokens);
        assert!(c.reasoning_tokens == 0 || model.reasoning, "{} does not reason", model.name);
        assert!(c.total_tokens() <= model.context_window);
        assert!(c.ttft_ms <= c.latency_ms);
    }
    let cached = w.calls.iter().filter(|c| c.cached_input_tokens > 0).count();
    assert!(cached > w.calls.len() / 100, "prompt caching too rare: {cached}");
}

/// Spearman's rank correlation (average ranks for ties).
fn spearman(pairs: &[(f64, f64)]) -> f64 {
    fn ranks(v: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|a, b| v[*a].total_cmp(&v[*b]));
        let mut r = vec![0.0; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let j = (i..idx.len()).find(|&j| v[idx[j]] != v[idx[i]]).unwrap_or(idx.len());
            for k in i..j {
                r[idx[k]] = (i + j - 1) as f64 / 2.0;
            }
            i = j;
        }
        r
    }
    let (a, b): (Vec<f64>, Vec<f64>) = pairs.iter().copied().unzip();
    let (ra, rb) = (ranks(&a), ranks(&b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let (va, vb): (f64, f64) = (ra.iter().map(|x| (x - ma).powi(2)).sum(), rb.iter().map(|y| (y - mb).powi(2)).sum());
    cov / (va * vb).sqrt()
}

#[test]
fn tokens_follow_each_features_anchor() {
    // Every feature's prompt and visible answer percentiles (successful calls) against the quantiles
    // it is documented to follow (finops_sim::tokens: the 2023 Azure trace for chat and code, scaled
    // to 2026; vendor and framework figures for the others). Tolerance 8% from p10 to p90 and 20% at
    // p99 (context windows clip the largest prompts; p99 of ~60k draws has a few % of noise).
    use finops_core::schema::Feature;
    use finops_sim::tokens::{Answer, Quantiles, token_shape};
    let w = world();
    // Prompts of every billed call (a timeout bills its prompt; long answers time out more often, so
    // successful calls alone would under-represent long prompts); answers of the successful ones.
    let mut prompts: HashMap<Feature, Vec<f64>> = HashMap::new();
    let mut by_feature: HashMap<Feature, Vec<(f64, f64)>> = HashMap::new();
    for c in w.calls.iter().filter(|c| c.input_tokens > 0) {
        prompts.entry(c.feature).or_default().push(f64::from(c.input_tokens));
        if c.status() == Status::Success {
            let visible = f64::from(c.output_tokens - c.reasoning_tokens);
            by_feature.entry(c.feature).or_default().push((f64::from(c.input_tokens), visible));
        }
    }
    for (f, pairs) in &by_feature {
        let shape = token_shape(*f);
        let prompt = Quantiles::new(shape.prompt);
        let mut inputs = prompts.remove(f).unwrap_or_default();
        let mut answers: Vec<f64> = pairs.iter().map(|p| p.1).collect();
        for (p, tol) in [(0.1, 0.08), (0.5, 0.08), (0.9, 0.08), (0.99, 0.2)] {
            within(percentile(&mut inputs, p), prompt.at(p), tol, &format!("{f} prompt p{}", p * 100.0));
            match shape.answer {
                Answer::Quantiles(k) => {
                    let want = Quantiles::new(k).at(p);
                    // Answers of a few tokens are whole numbers: allow one token besides the tolerance.
                    let got = percentile(&mut answers, p);
                    assert!((got - want).abs() <= tol * want + 1.0, "{f} answer p{}: {got} vs {want}", p * 100.0);
                }
                Answer::RatioOfPrompt { median, .. } => {
                    let mut ratios: Vec<f64> = pairs.iter().map(|(i, o)| o / i).collect();
                    within(percentile(&mut ratios, 0.5), median, 0.05, &format!("{f} answer/prompt median"));
                }
            }
        }
        let rho = spearman(pairs);
        let longer = pairs.iter().filter(|(i, o)| o > i).count() as f64 / pairs.len() as f64;
        eprintln!(
            "{f}: {} calls, Spearman(prompt, answer) {rho:.3}, answer longer than prompt {:.1}%",
            pairs.len(),
            100.0 * longer
        );
        match f {
            // The trace: 0.07 and 4.6% for conversations, -0.02 and 1.2% for code; 2026 prompts are 3x
            // longer, so fewer answers outgrow them.
            Feature::Chat => assert!(rho.abs() < 0.1 && longer < 0.046 * 1.5, "{f}: {rho}, {longer}"),
            Feature::Code => assert!(rho.abs() < 0.1 && longer < 0.012 * 1.5, "{f}: {rho}, {longer}"),
            // A translation is its prompt in another language.
            Feature::Translate => assert!(rho > 0.9, "{f}: {rho}"),
            _ => assert!(rho.abs() < 0.1, "{f}: {rho}"),
        }
    }
    assert_eq!(by_feature.len(), 5, "the base features");
}

#[test]
fn latency_depends_on_model_and_region() {
    let w = world();
    let catalog = w.sim.catalog();
    let idx = |p: &str, m: &str| catalog.model(p, m).unwrap().0 as u16;
    let (fast, slow) = (idx("openai", "gpt-4.1-nano"), idx("anthropic", "claude-opus-4-1"));
    let ok = |c: &&Call| c.status() == Status::Success && c.service_tier == finops_core::ServiceTier::Standard;
    let lat = |m: u16| {
        let mut v: Vec<f64> = w
            .calls
            .iter()
            .filter(ok)
            .filter(|c| c.model == m && c.output_tokens < 400)
            .map(|c| f64::from(c.latency_ms))
            .collect();
        percentile(&mut v, 0.5)
    };
    let (f, s) = (lat(fast), lat(slow));
    assert!(s > 2.0 * f, "claude-opus-4-1 p50 {s} ms vs gpt-4.1-nano p50 {f} ms");
    let ttft = |r: Region| {
        let mut v: Vec<f64> = w
            .calls
            .iter()
            .filter(ok)
            .filter(|c| c.region == r && c.reasoning_tokens == 0)
            .map(|c| f64::from(c.ttft_ms))
            .collect();
        percentile(&mut v, 0.5)
    };
    let (us, ap) = (ttft(Region::UsEast1), ttft(Region::ApSoutheast1));
    assert!(ap > us * 1.1, "ap-southeast-1 ttft p50 {ap} vs us-east-1 {us}");
}

/// Consecutive calls of one customer, feature and model within one hour, in time order: the pairs that
/// sessions produce (and, more rarely, two sessions in a row).
fn consecutive_pairs(feature: finops_core::schema::Feature) -> Vec<(&'static Call, &'static Call)> {
    let w = world();
    let mut by_key: HashMap<(u32, u16, i64), Vec<&Call>> = HashMap::new();
    for c in w.calls.iter().filter(|c| c.feature == feature) {
        by_key.entry((c.customer, c.model, c.ts_ms.div_euclid(3_600_000))).or_default().push(c);
    }
    let mut pairs = Vec::new();
    for calls in by_key.values_mut() {
        calls.sort_by_key(|c| c.ts_ms);
        pairs.extend(calls.windows(2).map(|w| (w[0], w[1])));
    }
    pairs
}

/// Seconds from the end of `prev` to the start of `next`.
fn pause_s(prev: &Call, next: &Call) -> f64 {
    (next.ts_ms - prev.ts_ms - i64::from(prev.latency_ms)) as f64 / 1000.0
}

#[test]
fn sessions_pause_like_the_production_traces() {
    // Conversation turns follow the chatbot pauses of the Bailian trace (p50 7.18 s, p90 15 s) and
    // coding requests the coding agents' (p25 0.69 s, p50 1.6 s); a Poisson stream of the same calls
    // would put the next call minutes away. Pairs from two sessions in a row thin out below 2 minutes.
    use finops_core::schema::Feature;
    for (feature, p50, p90_max) in [(Feature::Chat, 7.18, 20.0), (Feature::Code, 1.6, 50.0)] {
        let pairs = consecutive_pairs(feature);
        let mut pauses: Vec<f64> = pairs
            .iter()
            .filter(|(p, _)| p.status() == Status::Success)
            .map(|(p, n)| pause_s(p, n))
            .filter(|s| (0.0..=120.0).contains(s))
            .collect();
        let close = pauses.len() as f64 / pairs.len() as f64;
        let (median, p90) = (percentile(&mut pauses, 0.5), percentile(&mut pauses, 0.9));
        eprintln!(
            "{feature}: {} pairs, {:.0}% within 2 min, pause p50 {median:.2} s, p90 {p90:.1} s",
            pairs.len(),
            100.0 * close
        );
        within(median, p50, 0.25, &format!("{feature} pause p50"));
        assert!(p90 <= p90_max, "{feature} pause p90 {p90}");
        assert!(close > 0.5, "{feature}: only {close} of consecutive calls within 2 minutes");
    }
}

#[test]
fn conversations_grow_and_read_the_previous_prompt_from_cache() {
    use finops_core::schema::Feature;
    let w = world();
    let catalog = w.sim.catalog();
    let date = |c: &Call| DateTime::from_timestamp_millis(c.ts_ms).unwrap().date_naive();
    let (mut grow, mut hit, mut eligible, mut n) = (0, 0, 0, 0);
    for (prev, next) in consecutive_pairs(Feature::Chat) {
        // Turns of one conversation: the next request within the pauses' p99 (43 s) of the answer.
        if prev.status() != Status::Success || !(0.0..=43.0).contains(&pause_s(prev, next)) || next.input_tokens == 0 {
            continue;
        }
        n += 1;
        grow += usize::from(next.input_tokens >= prev.input_tokens);
        let cached_price = catalog.models[next.model as usize].price_on(date(next)).and_then(|p| p.cached_input);
        if cached_price.is_some() && prev.input_tokens >= 1024 {
            eligible += 1;
            hit += usize::from(next.cached_input_tokens == prev.input_tokens.min(next.input_tokens) / 128 * 128);
        }
    }
    let (grow, hit) = (grow as f64 / n as f64, hit as f64 / eligible as f64);
    eprintln!(
        "chat: {n} turn pairs, prompt grows in {:.1}%, previous prompt cached in {:.1}% of {eligible}",
        100.0 * grow,
        100.0 * hit
    );
    assert!(grow > 0.9, "prompts grow along a conversation: {grow}");
    assert!(hit > 0.9, "a turn reads the previous turn's prompt from the cache: {hit}");
    // Caching follows from structure only: whole 128-token blocks of a prefix of at least 1,024 tokens,
    // and never for features whose calls carry different documents.
    for c in w.calls.iter().filter(|c| c.cached_input_tokens > 0) {
        assert!(c.cached_input_tokens >= 1024 && c.cached_input_tokens % 128 == 0, "{c:?}");
        assert!(matches!(c.feature, Feature::Chat | Feature::Code), "{c:?}");
    }
}

#[test]
fn batch_jobs_arrive_as_blocks() {
    use finops_core::ServiceTier;
    let w = world();
    let mut at: HashMap<(u32, i64, ServiceTier), usize> = HashMap::new();
    for c in w.calls.iter().filter(|c| c.feature == finops_core::schema::Feature::Summarize) {
        *at.entry((c.customer, c.ts_ms, c.service_tier)).or_default() += 1;
    }
    let shared = |tier: ServiceTier| {
        let (mut together, mut all) = (0, 0);
        for ((_, _, t), n) in &at {
            if *t == tier {
                all += n;
                together += if *n > 1 { *n } else { 0 };
            }
        }
        together as f64 / all as f64
    };
    let (batch, standard) = (shared(ServiceTier::Batch), shared(ServiceTier::Standard));
    eprintln!(
        "summarize calls submitted together with another: batch {:.1}%, standard {:.2}%",
        100.0 * batch,
        100.0 * standard
    );
    assert!(batch > 0.3, "batch calls come in blocks: {batch}");
    assert!(standard < 0.01, "standard calls are submitted one by one: {standard}");
}

#[test]
fn demand_drifts_within_the_hour() {
    // Per-minute call counts within busy hours vary well beyond a Poisson stream's (the conversation
    // trace: CV 0.22 where Poisson gives 0.055), and the hour's total is untouched (the other tests).
    let w = world();
    let mut minutes: HashMap<i64, [f64; 60]> = HashMap::new();
    for c in &w.calls {
        let m = c.ts_ms.div_euclid(60_000);
        minutes.entry(m.div_euclid(60)).or_insert([0.0; 60])[m.rem_euclid(60) as usize] += 1.0;
    }
    let (mut cv, mut poisson, mut hours) = (0.0, 0.0, 0.0);
    for counts in minutes.values().filter(|c| c.iter().sum::<f64>() >= 6000.0) {
        let mean = counts.iter().sum::<f64>() / 60.0;
        let sd = (counts.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 60.0).sqrt();
        cv += sd / mean;
        poisson += mean.powf(-0.5);
        hours += 1.0;
    }
    let (cv, poisson) = (cv / hours, poisson / hours);
    eprintln!("{hours} busy hours: per-minute CV {cv:.3}, Poisson {poisson:.3}");
    assert!(hours >= 20.0);
    assert!(cv > 2.0 * poisson && cv < 0.35, "per-minute CV {cv} (Poisson {poisson})");
}

#[test]
fn service_tiers_and_cache_writes_follow_their_rules() {
    use finops_core::ServiceTier;
    use finops_core::schema::{Environment, Feature};
    let w = world();
    let catalog = w.sim.catalog();
    let pop = w.sim.population();
    let day = |c: &Call| DateTime::from_timestamp_millis(c.ts_ms).unwrap().date_naive();
    let price = |c: &Call| catalog.models[c.model as usize].price_on(day(c)).unwrap().clone();
    let (mut flex, mut flex_eligible, mut priority, mut priority_eligible) = (0, 0, 0, 0);
    let mut latency: HashMap<(u16, ServiceTier), Vec<u32>> = HashMap::new();
    let (mut written, mut write_eligible) = (0, 0);
    for c in w.calls.iter().filter(|c| c.status() == Status::Success) {
        let p = price(c);
        let enterprise = pop.customers[c.customer as usize].tier == Tier::Enterprise;
        match c.service_tier {
            ServiceTier::Flex => {
                assert!(matches!(c.feature, Feature::Summarize | Feature::Extract) && p.flex.is_some())
            }
            ServiceTier::Priority => assert!(
                enterprise
                    && c.environment == Environment::Production
                    && matches!(c.feature, Feature::Chat | Feature::Voice | Feature::Agent)
                    && p.priority.is_some()
            ),
            _ => {}
        }
        if matches!(c.feature, Feature::Summarize | Feature::Extract)
            && p.flex.is_some()
            && c.service_tier != ServiceTier::Batch
        {
            flex_eligible += 1;
            flex += usize::from(c.service_tier == ServiceTier::Flex);
        }
        if enterprise
            && c.environment == Environment::Production
            && matches!(c.feature, Feature::Chat | Feature::Voice | Feature::Agent)
            && p.priority.is_some()
        {
            priority_eligible += 1;
            priority += usize::from(c.service_tier == ServiceTier::Priority);
        }
        if matches!(c.feature, Feature::Summarize | Feature::Extract) {
            latency.entry((c.model, c.service_tier)).or_default().push(c.latency_ms);
        }
        // Writes: whole blocks of the uncached prompt, only where the model bills them.
        assert!(c.cached_input_tokens + c.cache_write_tokens <= c.input_tokens, "{c:?}");
        if c.cache_write_tokens > 0 {
            assert!(p.cache_write.is_some() && c.cache_write_tokens % 128 == 0, "{c:?}");
        }
        if p.cache_write.is_some() && c.feature == Feature::Chat && c.input_tokens >= 1024 {
            write_eligible += 1;
            written += usize::from(c.cache_write_tokens > 0);
        }
    }
    let (flex_share, priority_share) = (flex as f64 / flex_eligible as f64, priority as f64 / priority_eligible as f64);
    let write_share = written as f64 / write_eligible as f64;
    eprintln!(
        "flex {flex_share:.3} of {flex_eligible}, priority {priority_share:.3} of {priority_eligible}, Anthropic chat writes {write_share:.3} of {write_eligible}"
    );
    // Tiers are drawn per session, so the shares scatter more than per call would.
    assert!((flex_share - 0.25).abs() < 0.04, "{flex_share}");
    assert!((priority_share - 0.2).abs() < 0.05, "{priority_share}");
    assert!(write_share > 0.9, "explicit caching writes the uncached part of every long prompt: {write_share}");
    // Flex is slower than standard on the same model and feature.
    let median = |v: &mut Vec<u32>| {
        v.sort_unstable();
        f64::from(v[v.len() / 2])
    };
    let mut ratios = Vec::new();
    for ((model, tier), v) in &latency {
        if *tier == ServiceTier::Flex
            && v.len() >= 100
            && let Some(std) = latency.get(&(*model, ServiceTier::Standard)).filter(|s| s.len() >= 100)
        {
            ratios.push(median(&mut v.clone()) / median(&mut std.clone()));
        }
    }
    assert!(!ratios.is_empty() && ratios.iter().all(|r| *r > 1.3), "flex / standard latency: {ratios:?}");
}

#[test]
fn the_mix_follows_which_models_are_on_offer() {
    // Gemini 3 Pro Preview is shut down on 2026-10-13, when 3.1 takes over; the gpt-6 family is listed
    // from 2026-10-12. A week around those days, without scenarios.
    let start = DateTime::parse_from_rfc3339("2026-10-09T00:00:00Z").unwrap().with_timezone(&Utc);
    let sim =
        Simulator::new(SimConfig { seed: 3, customers: 400, program: Program::none(), start, ..SimConfig::default() })
            .expect("valid config");
    let catalog = sim.catalog().clone();
    let name = |c: &Call| catalog.models[c.model as usize].name.as_str();
    let day = |c: &Call| DateTime::from_timestamp_millis(c.ts_ms).unwrap().date_naive();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let calls: Vec<Call> = (0..7 * 24).flat_map(|h| sim.hour_calls(h).unwrap()).collect();
    let mut seen: HashMap<&str, (NaiveDate, NaiveDate)> = HashMap::new();
    for c in &calls {
        let e = seen.entry(name(c)).or_insert((day(c), day(c)));
        e.0 = e.0.min(day(c));
        e.1 = e.1.max(day(c));
    }
    let (first, last) = seen["gemini-3-pro-preview"];
    assert!(first == d("2026-10-09") && last == d("2026-10-12"), "3 Pro Preview until its shutdown: {last}");
    assert_eq!(seen["gemini-3.1-pro-preview"].0, d("2026-10-13"));
    assert_eq!(seen["gpt-6-sol"].0, d("2026-10-12"));
    assert!(!seen.contains_key("claude-opus-5"), "listed from 2026-12-01");
    // Every call is priced on its day by a model that is served that day.
    for c in &calls {
        assert!(catalog.models[c.model as usize].available_on(day(c)), "{} on {}", name(c), day(c));
    }
}
