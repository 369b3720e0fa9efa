// quote.mjs — the app's URL quoting (Go: internal/appview Quote, LocationURL).

// pyQuote(s) is Python's urllib.parse.quote(s, safe=""), which the app's
// detailUrl uses: every UTF-8 byte but ASCII letters, digits and "_.-~" as %XX.
// encodeURIComponent also leaves "!'()*" alone, so those are escaped here.
export const pyQuote = s => encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());

// locationURL(text) is the app's location page of a location text:
// /location/by-name/<pyQuote(text)>/.
export const locationURL = text => '/location/by-name/' + pyQuote(text) + '/';
