mod golden;
mod nesting;
mod props;
mod scenarios;
