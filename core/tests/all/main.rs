mod props;
mod scenarios;
