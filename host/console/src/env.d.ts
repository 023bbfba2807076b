// esbuild bundles the stylesheet imported by main.tsx into dist/app.css.
declare module '*.css';
