mod golden;
mod props;
mod scenarios;
