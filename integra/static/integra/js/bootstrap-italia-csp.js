// Loaded just before bootstrap-italia.bundle.min.js. The bundle includes video.js, which on
// load injects a <style> element that our Content-Security-Policy (style-src 'self') refuses;
// this documented video.js switch turns that off. Integra shows no video.
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
