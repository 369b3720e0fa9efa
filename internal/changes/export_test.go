package changes

// GeodDistances is geodDistances for the external tests.
var GeodDistances = geodDistances
