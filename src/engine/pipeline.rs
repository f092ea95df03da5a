//! The sampling pipeline: the subsystems' stage functions, run in stage order at each sampling
//! tick, each through its own cached parameter fetch.
//!
//! ## How it works
//! A stage function is an ordinary bevy system function (`fn facility_step(sample: Res<Sample>,
//! mut f: ResMut<FacilityModel>)`): its signature says what it reads and writes. [`Pipeline::add`] keeps, per function, a
//! [`SystemState`] of its parameters (built once, when the run is built); [`Pipeline::run`]
//! fetches each function's parameters from the World and calls it, in the order added, which
//! [`Pipeline::add`] checks is the order of the [`Stage`]s. This is what a bevy `Schedule` with
//! chained sets did, less its per-system executor work (conditions, parameter validation
//! before the fetch, deferred-command bookkeeping), which at one-second sampling cost a fifth
//! of a tick (BENCHMARKS.md, "Sampling", issue 19). Deferred parameters (`Commands`) are applied
//! right after their function, as a chained Schedule would before the next stage (none of today's
//! stage functions has one; for the others applying is a no-op).

use std::io;
use std::marker::PhantomData;

use bevy_ecs::prelude::*;
use bevy_ecs::system::{SystemParamFunction, SystemState};

use super::build::Stage;

/// One stage function (with its guard, if any) and the state of its parameters.
trait Step: Send + Sync {
    /// Fetches the parameters and runs the function (if its guard says so).
    fn run(&mut self, world: &mut World) -> io::Result<()>;
}

/// A function `F` returning `O` and its parameters' [`SystemState`].
struct Cached<M, O, F: SystemParamFunction<M, In = (), Out = O>>
where
    F::Param: 'static,
{
    f: F,
    state: SystemState<F::Param>,
    _marker: PhantomData<fn() -> (M, O)>,
}

impl<M: 'static, O: 'static, F: SystemParamFunction<M, In = (), Out = O>> Cached<M, O, F>
where
    F::Param: 'static,
{
    fn new(f: F, world: &mut World) -> Self {
        Cached { f, state: SystemState::new(world), _marker: PhantomData }
    }

    fn call(&mut self, world: &mut World) -> io::Result<O> {
        let params = self.state.get_mut(world).map_err(|e| {
            let name = std::any::type_name::<F>();
            io::Error::other(format!("engine: the sampling stage function {name} lacks a resource it needs: {e}"))
        })?;
        let out = self.f.run((), params);
        self.state.apply(world);
        Ok(out)
    }
}

impl<M: 'static, F: SystemParamFunction<M, In = (), Out = ()>> Step for Cached<M, (), F>
where
    F::Param: 'static,
{
    fn run(&mut self, world: &mut World) -> io::Result<()> {
        self.call(world)
    }
}

/// A stage function run only when its guard returns true.
struct Guarded<G, F> {
    guard: G,
    f: F,
}

impl<MG: 'static, MF: 'static, G, F> Step for Guarded<Cached<MG, bool, G>, Cached<MF, (), F>>
where
    G: SystemParamFunction<MG, In = (), Out = bool>,
    F: SystemParamFunction<MF, In = (), Out = ()>,
    G::Param: 'static,
    F::Param: 'static,
{
    fn run(&mut self, world: &mut World) -> io::Result<()> {
        if self.guard.call(world)? { self.f.call(world) } else { Ok(()) }
    }
}

/// The stage functions of a run, in stage order.
#[derive(Default)]
pub struct Pipeline {
    steps: Vec<(Stage, Box<dyn Step>)>,
}

impl Pipeline {
    /// Adds `f` to `stage`, after the functions added before it. Stages are added in their
    /// order: a function of an earlier stage after a later one is a bug in the build.
    pub fn add<M: 'static, F: SystemParamFunction<M, In = (), Out = ()>>(&mut self, stage: Stage, f: F, world: &mut World)
    where
        F::Param: 'static,
    {
        let step = Box::new(Cached::new(f, world));
        self.push(stage, step);
    }

    /// Adds `f` to `stage` like [`Pipeline::add`], run at a tick only when `guard` (a function
    /// with fewer and cheaper parameters) returns true: for a stage that has nothing to do on
    /// most ticks.
    pub fn add_guarded<MG: 'static, MF: 'static, G, F>(&mut self, stage: Stage, guard: G, f: F, world: &mut World)
    where
        G: SystemParamFunction<MG, In = (), Out = bool>,
        F: SystemParamFunction<MF, In = (), Out = ()>,
        G::Param: 'static,
        F::Param: 'static,
    {
        let step = Box::new(Guarded { guard: Cached::new(guard, world), f: Cached::new(f, world) });
        self.push(stage, step);
    }

    fn push(&mut self, stage: Stage, step: Box<dyn Step>) {
        assert!(
            self.steps.last().is_none_or(|(last, _)| *last <= stage),
            "engine: stage {stage:?} added after {:?}",
            self.steps.last().map(|s| s.0)
        );
        self.steps.push((stage, step));
    }

    /// Runs every stage function once, in order.
    pub fn run(&mut self, world: &mut World) -> io::Result<()> {
        // As a Schedule does: clamps old change ticks every so many million (a counter compare
        // otherwise), so ticks never wrap however long the run.
        world.check_change_ticks();
        for (_, step) in &mut self.steps {
            step.run(world)?;
        }
        Ok(())
    }

    /// The stages of the functions, in order (for tests).
    #[cfg(test)]
    pub fn stages(&self) -> Vec<Stage> {
        self.steps.iter().map(|s| s.0).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Resource, Default)]
    struct Trace(Vec<&'static str>);

    fn first(mut t: ResMut<Trace>) {
        t.0.push("first");
    }

    fn second(mut t: ResMut<Trace>, mut n: Local<u32>) {
        *n += 1;
        t.0.push(if *n == 1 { "second" } else { "second again" });
    }

    #[test]
    fn functions_run_in_order_with_their_own_state() {
        let mut world = World::new();
        world.insert_resource(Trace::default());
        let mut p = Pipeline::default();
        p.add(Stage::Power, first, &mut world);
        p.add(Stage::Record, second, &mut world);
        p.run(&mut world).unwrap();
        p.run(&mut world).unwrap();
        assert_eq!(world.resource::<Trace>().0, ["first", "second", "first", "second again"]);
        assert_eq!(p.stages(), [Stage::Power, Stage::Record]);
    }

    fn odd(mut n: Local<u32>) -> bool {
        *n += 1;
        *n % 2 == 1
    }

    #[test]
    fn a_guarded_function_runs_when_its_guard_says_so() {
        let mut world = World::new();
        world.insert_resource(Trace::default());
        let mut p = Pipeline::default();
        p.add_guarded(Stage::Thermal, odd, first, &mut world);
        for _ in 0..3 {
            p.run(&mut world).unwrap();
        }
        assert_eq!(world.resource::<Trace>().0, ["first", "first"]);
    }

    #[test]
    fn a_missing_resource_is_an_error_naming_the_stage() {
        let mut world = World::new();
        let mut p = Pipeline::default();
        p.add(Stage::Power, first, &mut world);
        let e = p.run(&mut world).unwrap_err().to_string();
        assert!(e.contains("first"), "{e}");
    }

    #[test]
    #[should_panic(expected = "added after")]
    fn a_stage_out_of_order_is_refused() {
        let mut world = World::new();
        world.insert_resource(Trace::default());
        let mut p = Pipeline::default();
        p.add(Stage::Record, first, &mut world);
        p.add(Stage::Power, second, &mut world);
    }
}
