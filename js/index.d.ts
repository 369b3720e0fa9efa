// Type declarations of @prebake/client's public API (src/index.mjs), written by
// hand: the sources are plain JavaScript. Shapes follow the baked formats
// (docs/manifest.md; internal/generators/maptiles/doc.go for scheme
// prebake-cluster-tree/3) and the app's endpoints (docs/app-contract.md).

/** The tile set layout this client reads; the package's major version is its number. */
export const CLUSTER_TREE_SCHEME: 'prebake-cluster-tree/3';
/** The attribute file layout this client reads. */
export const ATTRIBUTES_SCHEME: 'prebake-attrs/1';

/** [west, south, east, north] in degrees (WGS 84); west > east crosses the antimeridian. */
export type BBox = [west: number, south: number, east: number, north: number];

/** The layout of a clustered tile set: manifest.tilesets["maptiles/default/<layer>"].layout. */
export interface ClusterTreeLayout {
    scheme: typeof CLUSTER_TREE_SCHEME;
    min_zoom: number;
    /** The zoom from which every component is its own point. */
    points_zoom: number;
    radius: number;
    extent: number;
    min_points: number;
    /** The node index inline, or index_url to fetch it from. */
    index?: number[];
    index_url?: string;
    index_nodes?: number;
    /** The layer's attribute file, clustered in the browser for filters other than the view. */
    attributes_url?: string;
    attributes_path?: string;
    attributes_scheme?: typeof ATTRIBUTES_SCHEME;
    attributes_integrity?: string;
    /** Categories counted on clusters (the all layer). */
    categories?: string[];
    /** The filters the tile set was baked for; absent: every filter clusters the attribute file. */
    view?: {cm_period?: string; residential?: boolean; [filter: string]: unknown};
}

/** A clustered tile set's manifest entry: manifest.tilesets["maptiles/default/<layer>"]. */
export interface TileSetEntry {
    tilejson: {tiles: string[]; name?: string; [key: string]: unknown};
    layout: ClusterTreeLayout;
    [key: string]: unknown;
}

export interface OpenLayerOptions {
    /** Fetches and parses a JSON file; default: fetch(url), an error on a status other than 2xx. */
    fetchJSON?: (url: string) => Promise<unknown>;
    /** Prefixed to the manifest's relative URLs (default ''). */
    baseURL?: string;
}

/**
 * The /map/ page's filters, the parameters of /api/map-data/. Empty strings
 * count as absent; {} is the page's default view (residential companies
 * excluded, period future).
 */
export interface MapFilters {
    /** An exact company name; when absent, the residential DSR companies are left out. */
    company?: string | null;
    /** An exact delivery year ("2024"); when given, cm_period is ignored. */
    year?: string | number | null;
    /** 'historical', or anything else: 'future' (the component's location group is active). */
    cm_period?: string | null;
    /** A category ('OCGT' names 'Gas'; 'All' is every category). */
    technology?: string | null;
    /** One raw technology class. */
    exact_technology?: string | null;
}

/** A GeoJSON Point feature. */
export interface PointFeature<P> {
    type: 'Feature';
    id?: number;
    geometry: {type: 'Point'; coordinates: [lng: number, lat: number]};
    properties: P;
}

/** A cluster, as SuperCluster's getClusters gives it, with the summed capacity. */
export interface ClusterProperties {
    cluster: true;
    cluster_id: number;
    /** Markers (exact positions) in the cluster, as the app's page counts them. */
    point_count: number;
    point_count_abbreviated: number | string;
    /** Components the cluster's markers stand for. */
    components: number;
    /** Summed de-rated capacity, MW. */
    mw: number;
    /** Baked tile sets only. */
    expansion_zoom?: number;
    minzoom?: number;
    maxzoom?: number;
    /** On the all layer: components per category. */
    [category: string]: unknown;
}

/** A position's components as one point: /api/map-data/'s properties of its representative. */
export interface ComponentProperties {
    cluster?: undefined;
    /** Register id of the representative, the first of ids (baked tile sets). */
    id: number;
    technology: string | null;
    display_technology: string | null;
    company: string | null;
    delivery_year: string | null;
    mw: number;
    /** Baked tile sets only. */
    cmu_id?: string | null;
    title?: string | null;
    description?: string | null;
    auction_name?: string | null;
    detailUrl?: string | null;
    /** Components at this position, and their register ids (representative first). */
    count: number;
    ids: number[];
    minzoom?: number;
    maxzoom?: number;
}

export type MapFeature = PointFeature<ClusterProperties> | PointFeature<ComponentProperties>;

export interface Layer {
    /**
     * The clusters and points SuperCluster's getClusters(bbox, zoom) returns for
     * the components the filters keep: the baked tile set for the default filters,
     * the attribute file clustered in the browser for any other (null or absent:
     * every component). Rejects when a fetch fails; the next call fetches again.
     */
    getClusters(bbox: BBox, zoom: number, filters?: MapFilters | null): Promise<MapFeature[]>;
    /** The files getClusters(bbox, zoom, {}) fetches from the baked tile set, e.g. to prefetch. */
    urlsFor(bbox: BBox, zoom: number): Promise<string[]>;
    /** Forgets every fetched file and clustering, so the next call fetches again. */
    clearCache(): void;
}

/** Opens a clustered tile set; throws when its layout is not CLUSTER_TREE_SCHEME. */
export function openLayer(entry: TileSetEntry, options?: OpenLayerOptions): Layer;

/** A baked location group: a feature of locations/groups/all.geojson. */
export interface GroupFeature {
    type: 'Feature';
    geometry: {type: 'Point'; coordinates: [lng: number, lat: number]};
    properties: GroupFileProperties;
}

export interface GroupFileProperties {
    id: string;
    title: string;
    count: number;
    active: boolean;
    mw: number;
    /** Raw technology class -> components. */
    technologies?: Record<string, number>;
    /** Company name -> components, most first. */
    companies?: Record<string, number>;
    descriptions?: string[];
    cmu_ids?: string[];
    /** Indices into the collection's auction_names. */
    auctions?: number[];
    capacity_confidence?: string;
    descriptions_total?: number;
    auction_names_total?: number;
    located_count?: number;
}

/** The properties /api/search-geojson/ shows for a group. */
export interface EndpointProperties {
    id: string;
    title: string;
    tech: string;
    company: string;
    desc: string;
    cmu: string;
    url: string;
    count: number;
    active: boolean;
    mw: number;
}

/** Every LocationGroup attribute of a group, with the endpoint's properties. */
export interface GroupProperties extends EndpointProperties {
    component_count: number;
    technologies: Record<string, number> | undefined;
    companies: Record<string, number> | undefined;
    descriptions: string[] | undefined;
    auction_years: string[];
    cmu_ids: string[] | undefined;
    capacity_mw: number;
    capacity_confidence: string | undefined;
    is_active: boolean;
    descriptions_total: number;
    auction_names_total: number;
    located_count: number;
}

/** /api/search-geojson/'s query parameters; undefined or null is absent. */
export interface GroupSearchParams {
    q?: string | null;
    tech?: string | null;
    subtype?: string | null;
    company?: string | null;
    residential?: string | null;
    show_active?: string | boolean | null;
    north?: string | number | null;
    south?: string | number | null;
    east?: string | number | null;
    west?: string | number | null;
    /** An integer; throws otherwise. */
    zoom?: string | number | null;
    /** A non-negative integer (default 200); throws otherwise. */
    limit?: string | number | null;
}

/** An entry of locations/company_list.json. */
export interface CompanyListEntry {
    company_name: string;
    location_count: number;
    [key: string]: unknown;
}

export interface GroupSearchOptions {
    /** Needed for company "Everything else". */
    companyList?: CompanyListEntry[];
}

/** Runs /api/search-geojson/'s rules on the baked groups; total counts the matches before the limit. */
export function searchGroups(features: GroupFeature[], params?: GroupSearchParams, options?: GroupSearchOptions):
    {features: {type: 'Feature'; geometry: GroupFeature['geometry']; properties: EndpointProperties}[]; total: number};

/** A baked group's properties as /api/search-geojson/ shows them with no tech or company filter. */
export function endpointProperties(properties: GroupFileProperties): EndpointProperties;

/** Every attribute of a baked group; auctionNames is the collection's auction_names. */
export function groupProperties(feature: GroupFeature, auctionNames: string[]): GroupProperties;
