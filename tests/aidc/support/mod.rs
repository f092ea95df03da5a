//! What the integration tests share: the one way to run the `aidc` binary ([`bin`]), the
//! project's paths and readers of what a run writes ([`files`]), and scenario builders
//! ([`scenarios`]). Modules import it whole (`use crate::support::*`); a module's own item of
//! the same name wins over these.

mod bin;
mod files;
mod scenarios;

pub use bin::*;
pub use files::*;
pub use scenarios::*;
