//! The economics of the center (`[finance]`): capital, lifetimes, operating cost, lease
//! revenue, subsidies, discount rate and tax, in CNY at the prices of the defaults' years.

/// Capital and lease price of one accelerator model of the scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceleratorFinance {
    /// Device id.
    pub id: String,
    /// Capital per accelerator, its share of the server included, CNY.
    pub capex_cny: f64,
    /// On-demand lease price in the first year, CNY per accelerator-hour.
    pub lease_cny_per_hour: f64,
}

/// The `[finance]` section, resolved. Names carry their unit; shares are fractions.
#[derive(Debug, Clone, PartialEq)]
pub struct Finance {
    /// Currency of every price (only "CNY" is modelled).
    pub currency: String,
    /// Years of cash flows (the investment horizon).
    pub analysis_years: u32,
    /// Discount rate, per year.
    pub discount_rate: f64,
    /// Income tax on positive taxable profit (losses carried forward), fraction.
    pub income_tax_rate: f64,
    /// Per model of the scenario (in device order).
    pub accelerators: Vec<AcceleratorFinance>,
    /// Network capital per accelerator port (one fabric port per accelerator), CNY.
    pub network_cny_per_port: f64,
    /// Storage capital per usable TB, CNY.
    pub storage_cny_per_tb: f64,
    /// Usable storage bought, TB (the `[storage]` capacity, else a share per accelerator).
    pub storage_tb: f64,
    /// Facility (power chain and cooling) capital per MW of IT design power, by hall cooling:
    /// air, cold plate, immersion, CNY/MW, for N+1 redundancy.
    pub facility_cny_per_mw: [f64; 3],
    /// Factor on facility capital for N and for 2N UPS redundancy (N+1 is 1).
    pub redundancy_factor: [f64; 2],
    /// Building and land per MW of IT, CNY/MW.
    pub building_cny_per_mw: f64,
    /// Grid connection per MW of IT, CNY/MW.
    pub grid_connection_cny_per_mw: f64,
    /// Depreciation lives (servers, network, storage, facility, building), years.
    pub life_years: [f64; 5],
    /// Residual value at the end of a life, fraction of cost.
    pub residual_share: f64,
    /// Flat electricity price used without `[grid]`, CNY/kWh.
    pub energy_cny_per_kwh: f64,
    /// Water price, CNY/m3.
    pub water_cny_per_m3: f64,
    /// Staff, CNY per MW of IT per year.
    pub staff_cny_per_mw_year: f64,
    /// Maintenance, fraction of the capital in service per year.
    pub maintenance_share: f64,
    /// Internet bandwidth bought, Gbit/s.
    pub bandwidth_gbps: f64,
    /// Its price, CNY per Gbit/s per month.
    pub bandwidth_cny_per_gbps_month: f64,
    /// Share of delivered accelerator-hours sold on term contracts.
    pub contracted_share: f64,
    /// Contract price below the first year's on-demand price, fraction.
    pub contract_discount: f64,
    /// Yearly decline of the on-demand price, fraction.
    pub price_decline_per_year: f64,
    /// Compute vouchers (算力券): share of lease revenue paid by the city.
    pub voucher_share: f64,
    /// Cap of the vouchers per year, CNY (infinite: no cap).
    pub voucher_cap_cny_per_year: f64,
    /// Years the vouchers run from the start.
    pub voucher_years: f64,
    /// Electricity subsidy, CNY per kWh bought.
    pub electricity_subsidy_cny_per_kwh: f64,
    /// Years the electricity subsidy runs from the start.
    pub electricity_subsidy_years: f64,
}

/// Names of the depreciation lives, in the order of [`Finance::life_years`].
pub const LIVES: [&str; 5] = ["server", "network", "storage", "facility", "building"];
