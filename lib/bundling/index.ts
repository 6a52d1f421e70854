export { BUNDLE_FILE, BUNDLE_OPTIONS, ESM_REQUIRE_BANNER } from './options';
export { type BundleManifest, type BundleSet, DEFAULT_BUNDLE_CACHE, bundleDirName, bundleEntries } from './build';
export { type BundleObserver, BundledCode, onBundleBuild } from './code';
