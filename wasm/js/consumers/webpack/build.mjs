// webpack's Node API (no webpack-cli): builds main.js into the directory given as argument.
import webpack from 'webpack';
import config from './webpack.config.mjs';

const outDir = process.argv[2];
if (!outDir) throw new Error('usage: node webpack/build.mjs OUT_DIR');
webpack({ ...config, context: import.meta.dirname, output: { path: outDir, clean: true } }, (err, stats) => {
  if (err || stats.hasErrors() || stats.hasWarnings()) {
    console.error(err ?? stats.toString('errors-warnings'));
    process.exit(1);
  }
});
