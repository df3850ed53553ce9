//! The customers and organizations of a dataset. Identities are stable for the whole timeline: a
//! customer keeps its organization, product, tier, archetype and home region.
use finops_core::schema::{Archetype, Feature, Product, Region, Tier};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Gamma};
use serde::Serialize;

use crate::profile::{
    ARCHETYPE_WEIGHTS, FEATURE_ADOPTION, HOME_REGION_STICKINESS, REGION_WEIGHTS, TIER_WEIGHTS, archetype_profile,
    feature_profile,
};
use crate::rng::{Stream, stream_rng};

/// One customer of the simulated AI product.
#[derive(Debug, Clone, Serialize)]
pub struct Customer {
    /// 0-based; the id is `cust_` + (index + 1).
    pub index: u32,
    /// 0-based organization index.
    pub org: u32,
    pub product: Product,
    pub archetype: Archetype,
    pub tier: Tier,
    pub home_region: Region,
    /// Expected calls on a weekday at normal activity.
    pub calls_per_day: f64,
    /// Probability of each feature (indexed by `Feature::index`); features the customer never adopted
    /// have probability 0.
    pub feature_weights: [f64; Feature::COUNT],
    /// The customer calls only within [active_from_ms, active_until_ms) (Unix ms, UTC).
    pub active_from_ms: i64,
    pub active_until_ms: i64,
}

impl Customer {
    /// Draws a feature from the customer's preferences.
    pub fn pick_feature<R: Rng + ?Sized>(&self, rng: &mut R) -> Feature {
        let mut u: f64 = rng.random();
        for f in Feature::ALL {
            let w = self.feature_weights[f.index()];
            if u < w {
                return *f;
            }
            u -= w;
        }
        // Rounding left a sliver: give it to the last adopted feature.
        *Feature::ALL.iter().rev().find(|f| self.feature_weights[f.index()] > 0.0).unwrap_or(&Feature::Chat)
    }

    pub fn is_active(&self, t_ms: i64) -> bool {
        t_ms >= self.active_from_ms && t_ms < self.active_until_ms
    }
}

/// An organization (a tenant); customers belong to one.
#[derive(Debug, Clone, Serialize)]
pub struct Organization {
    pub index: u32,
    pub region: Region,
}

/// Everyone in the dataset.
#[derive(Debug, Clone, Serialize)]
pub struct Population {
    pub customers: Vec<Customer>,
    pub organizations: Vec<Organization>,
    /// Digits of zero padding in customer ids, fixed when the population is generated: customers who
    /// sign up later never change the id of an earlier one (`cust_0017` stays `cust_0017` when the
    /// population passes 10,000; the 10,000th is `cust_10000`).
    customer_id_width: usize,
}

/// Picks from weighted choices (weights need not sum to 1).
pub fn pick_weighted<T: Copy, R: Rng + ?Sized>(rng: &mut R, choices: &[(T, f64)]) -> T {
    let total: f64 = choices.iter().map(|c| c.1).sum();
    let mut u = rng.random::<f64>() * total;
    for &(v, w) in choices {
        if u < w {
            return v;
        }
        u -= w;
    }
    choices[choices.len() - 1].0
}

impl Population {
    /// Builds `customers` customers in `orgs` organizations from `seed`. The first 27 customers cover
    /// every archetype x tier x product combination (as in the seed); the rest are drawn by weight.
    pub fn generate(seed: u64, customers: u32, orgs: u32) -> Population {
        let mut rng = stream_rng(seed, Stream::Population, 0);
        let orgs = orgs.max(1);
        let organizations: Vec<Organization> =
            (0..orgs).map(|index| Organization { index, region: pick_weighted(&mut rng, &REGION_WEIGHTS) }).collect();
        let mut pop = Population {
            customers: Vec::with_capacity(customers as usize),
            organizations,
            customer_id_width: digits(customers as usize).max(4),
        };
        for index in 0..customers {
            let forced = ((index as usize) < 27).then(|| {
                let i = index as usize;
                (Archetype::ALL[i / 9], Tier::ALL[(i / 3) % 3], Product::ALL[i % 3])
            });
            let c = pop.draw_customer(&mut rng, forced);
            pop.customers.push(c);
        }
        pop
    }

    /// Draws the next customer (index = current count), active from the start of time; `forced` fixes
    /// its archetype, tier and product.
    pub fn draw_customer<R: Rng + ?Sized>(&self, rng: &mut R, forced: Option<(Archetype, Tier, Product)>) -> Customer {
        let index = self.customers.len() as u32;
        let (archetype, tier, product) = forced.unwrap_or_else(|| {
            (
                pick_weighted(rng, &ARCHETYPE_WEIGHTS),
                pick_weighted(rng, &TIER_WEIGHTS),
                Product::ALL[rng.random_range(0..3)],
            )
        });
        let orgs = self.organizations.len() as u32;
        let org = rng.random_range(0..orgs);
        let home_region = if rng.random::<f64>() < HOME_REGION_STICKINESS {
            self.organizations[org as usize].region
        } else {
            pick_weighted(rng, &REGION_WEIGHTS)
        };
        let (lo, hi) = archetype_profile(archetype).calls_per_day;
        let calls_per_day = rng.random_range(lo..=hi);
        let popularity: Vec<(usize, f64)> =
            Feature::BASE.iter().map(|f| (f.index(), feature_profile(*f).popularity)).collect();
        let favourite = pick_weighted(rng, &popularity);
        let gamma = Gamma::new(2.0, 1.0).expect("valid gamma parameters");
        let mut feature_weights = [0.0; Feature::COUNT];
        for (i, p) in popularity {
            let adopted = i == favourite || rng.random::<f64>() < FEATURE_ADOPTION;
            let taste: f64 = gamma.sample(rng);
            if adopted {
                feature_weights[i] = p * taste + if i == favourite { p } else { 0.0 };
            }
        }
        let sum: f64 = feature_weights.iter().sum();
        feature_weights.iter_mut().for_each(|w| *w /= sum);
        Customer {
            index,
            org,
            product,
            archetype,
            tier,
            home_region,
            calls_per_day,
            feature_weights,
            active_from_ms: i64::MIN,
            active_until_ms: i64::MAX,
        }
    }

    /// Digits of zero padding in customer ids (at least 4, as in `cust_0001`; wider when the initial
    /// population needs it).
    pub fn customer_id_width(&self) -> usize {
        self.customer_id_width
    }

    /// Digits used for organization ids (at least 3, as in `org_001`).
    pub fn org_id_width(&self) -> usize {
        digits(self.organizations.len()).max(3)
    }

    pub fn customer_id(&self, index: u32) -> String {
        format!("cust_{:0w$}", index + 1, w = self.customer_id_width())
    }

    pub fn org_id(&self, index: u32) -> String {
        format!("org_{:0w$}", index + 1, w = self.org_id_width())
    }
}

fn digits(n: usize) -> usize {
    n.max(1).ilog10() as usize + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_is_present_and_identities_are_stable() {
        let a = Population::generate(7, 500, 50);
        let b = Population::generate(7, 500, 50);
        let mut combos = std::collections::HashSet::new();
        for c in &a.customers {
            combos.insert((c.archetype, c.tier, c.product));
            let s: f64 = c.feature_weights.iter().sum();
            assert!((s - 1.0).abs() < 1e-9);
        }
        assert_eq!(combos.len(), 27);
        for (x, y) in a.customers.iter().zip(&b.customers) {
            assert_eq!((x.org, x.tier, x.archetype, x.product), (y.org, y.tier, y.archetype, y.product));
        }
        assert_eq!(a.customer_id(0), "cust_0001");
        assert_eq!(a.org_id(49), "org_050");
        assert_eq!(Population::generate(1, 20_000, 2_000).customer_id(0), "cust_00001");
    }

    /// Sign-ups past 9,999 customers get longer ids; earlier customers keep theirs.
    #[test]
    fn customer_ids_keep_their_width_as_the_population_grows() {
        let mut p = Population::generate(3, 500, 50);
        let mut rng = rand_pcg::Pcg64Mcg::new(1);
        while p.customers.len() < 10_001 {
            let c = p.draw_customer(&mut rng, None);
            p.customers.push(c);
        }
        assert_eq!(p.customer_id(16), "cust_0017");
        assert_eq!(p.customer_id(9_998), "cust_9999");
        assert_eq!(p.customer_id(9_999), "cust_10000");
    }
}
