mod golden;
mod nesting;
mod props;
mod scenarios;
mod time_zones;
