/*
 * The emulator's stand-in for https://connect-js.stripe.com/v1.0/connect.js (Connect embedded
 * components), limited to what this project embeds: <stripe-connect-issuing-cards-list> and
 * <stripe-connect-issuing-card>. Plain browser JavaScript, served as is by the emulator at
 * GET /v1.0/connect.js and included synchronously in <head>, so that @stripe/connect-js finds
 * window.StripeConnect.init already defined and uses it instead of injecting Stripe's script.
 *
 * Contract (docs/architecture.md): the Account Session client secret is exchanged once at
 * POST {emulator}/_emulator/connect/claim for an `emcs_` token, which then authenticates /v1
 * calls on the session's account, limited by the session's components and features. Card
 * numbers are shown only inside an iframe on the emulator's origin (frames/card-details.html),
 * never in this page's DOM or JavaScript.
 */
(function () {
  'use strict';

  if (window.StripeConnect && window.StripeConnect.__emulator) return; // loaded twice

  // The emulator's origin is wherever this script came from (the app page lists it by URL).
  const EMULATOR_ORIGIN = (function () {
    const script = document.currentScript;
    try {
      return new URL(script && script.src ? script.src : location.href).origin;
    } catch (_error) {
      return location.origin;
    }
  })();
  const MESSAGE_NS = 'stripe-emulator';
  const SESSION_EXPIRY_SKEW_SECONDS = 10;
  const MAX_LIST_PAGES = 20;

  // Stripe's merchant categories (OpenAPI enum for spending_controls *_categories and
  // spending_limits[].categories), so that a typo is caught before the request.
  const MERCHANT_CATEGORIES = new Set([
    "ac_refrigeration_repair", "accounting_bookkeeping_services", "advertising_services",
    "agricultural_cooperative", "airlines_air_carriers", "airports_flying_fields", "ambulance_services",
    "amusement_parks_carnivals", "antique_reproductions", "antique_shops", "aquariums",
    "architectural_surveying_services", "art_dealers_and_galleries", "artists_supply_and_craft_shops",
    "auto_and_home_supply_stores", "auto_body_repair_shops", "auto_paint_shops", "auto_service_shops",
    "automated_cash_disburse", "automated_fuel_dispensers", "automobile_associations",
    "automotive_parts_and_accessories_stores", "automotive_tire_stores", "bail_and_bond_payments", "bakeries",
    "bands_orchestras", "barber_and_beauty_shops", "betting_casino_gambling", "bicycle_shops",
    "billiard_pool_establishments", "boat_dealers", "boat_rentals_and_leases", "book_stores",
    "books_periodicals_and_newspapers", "bowling_alleys", "bus_lines", "business_secretarial_schools",
    "buying_shopping_services", "cable_satellite_and_other_pay_television_and_radio",
    "camera_and_photographic_supply_stores", "candy_nut_and_confectionery_stores",
    "car_and_truck_dealers_new_used", "car_and_truck_dealers_used_only", "car_rental_agencies", "car_washes",
    "carpentry_services", "carpet_upholstery_cleaning", "caterers",
    "charitable_and_social_service_organizations_fundraising", "chemicals_and_allied_products",
    "child_care_services", "childrens_and_infants_wear_stores", "chiropodists_podiatrists", "chiropractors",
    "cigar_stores_and_stands", "civic_social_fraternal_associations", "cleaning_and_maintenance",
    "clothing_rental", "colleges_universities", "commercial_equipment", "commercial_footwear",
    "commercial_photography_art_and_graphics", "commuter_transport_and_ferries", "computer_network_services",
    "computer_programming", "computer_repair", "computer_software_stores",
    "computers_peripherals_and_software", "concrete_work_services", "construction_materials",
    "consulting_public_relations", "correspondence_schools", "cosmetic_stores", "counseling_services",
    "country_clubs", "courier_services", "court_costs", "credit_reporting_agencies", "cruise_lines",
    "dairy_products_stores", "dance_hall_studios_schools", "dating_escort_services", "dentists_orthodontists",
    "department_stores", "detective_agencies", "digital_goods_applications", "digital_goods_games",
    "digital_goods_large_volume", "digital_goods_media", "direct_marketing_catalog_merchant",
    "direct_marketing_combination_catalog_and_retail_merchant", "direct_marketing_inbound_telemarketing",
    "direct_marketing_insurance_services", "direct_marketing_other", "direct_marketing_outbound_telemarketing",
    "direct_marketing_subscription", "direct_marketing_travel", "discount_stores", "doctors",
    "door_to_door_sales", "drapery_window_covering_and_upholstery_stores", "drinking_places",
    "drug_stores_and_pharmacies", "drugs_drug_proprietaries_and_druggist_sundries", "dry_cleaners",
    "durable_goods", "duty_free_stores", "eating_places_restaurants", "educational_services",
    "electric_razor_stores", "electric_vehicle_charging", "electrical_parts_and_equipment",
    "electrical_services", "electronics_repair_shops", "electronics_stores", "elementary_secondary_schools",
    "emergency_services_gcas_visa_use_only", "employment_temp_agencies", "equipment_rental",
    "exterminating_services", "family_clothing_stores", "fast_food_restaurants", "financial_institutions",
    "fines_government_administrative_entities", "fireplace_fireplace_screens_and_accessories_stores",
    "floor_covering_stores", "florists", "florists_supplies_nursery_stock_and_flowers",
    "freezer_and_locker_meat_provisioners", "fuel_dealers_non_automotive", "funeral_services_crematories",
    "furniture_home_furnishings_and_equipment_stores_except_appliances", "furniture_repair_refinishing",
    "furriers_and_fur_shops", "general_services", "gift_card_novelty_and_souvenir_shops",
    "glass_paint_and_wallpaper_stores", "glassware_crystal_stores", "golf_courses_public",
    "government_licensed_horse_dog_racing_us_region_only",
    "government_licensed_online_casions_online_gambling_us_region_only",
    "government_owned_lotteries_non_us_region", "government_owned_lotteries_us_region_only",
    "government_services", "grocery_stores_supermarkets", "hardware_equipment_and_supplies", "hardware_stores",
    "health_and_beauty_spas", "hearing_aids_sales_and_supplies", "heating_plumbing_a_c",
    "hobby_toy_and_game_shops", "home_supply_warehouse_stores", "hospitals", "hotels_motels_and_resorts",
    "household_appliance_stores", "industrial_supplies", "information_retrieval_services", "insurance_default",
    "insurance_underwriting_premiums", "intra_company_purchases",
    "jewelry_stores_watches_clocks_and_silverware_stores", "landscaping_services", "laundries",
    "laundry_cleaning_services", "legal_services_attorneys", "luggage_and_leather_goods_stores",
    "lumber_building_materials_stores", "manual_cash_disburse", "marinas_service_and_supplies", "marketplaces",
    "masonry_stonework_and_plaster", "massage_parlors", "medical_and_dental_labs",
    "medical_dental_ophthalmic_and_hospital_equipment_and_supplies", "medical_services",
    "membership_organizations", "mens_and_boys_clothing_and_accessories_stores", "mens_womens_clothing_stores",
    "metal_service_centers", "miscellaneous", "miscellaneous_apparel_and_accessory_shops",
    "miscellaneous_auto_dealers", "miscellaneous_business_services", "miscellaneous_food_stores",
    "miscellaneous_general_merchandise", "miscellaneous_general_services",
    "miscellaneous_home_furnishing_specialty_stores", "miscellaneous_publishing_and_printing",
    "miscellaneous_recreation_services", "miscellaneous_repair_shops", "miscellaneous_specialty_retail",
    "mobile_home_dealers", "motion_picture_theaters", "motor_freight_carriers_and_trucking",
    "motor_homes_dealers", "motor_vehicle_supplies_and_new_parts", "motorcycle_shops_and_dealers",
    "motorcycle_shops_dealers", "music_stores_musical_instruments_pianos_and_sheet_music",
    "news_dealers_and_newsstands", "non_fi_money_orders", "non_fi_stored_value_card_purchase_load",
    "nondurable_goods", "nurseries_lawn_and_garden_supply_stores", "nursing_personal_care",
    "office_and_commercial_furniture", "opticians_eyeglasses", "optometrists_ophthalmologist",
    "orthopedic_goods_prosthetic_devices", "osteopaths", "package_stores_beer_wine_and_liquor",
    "paints_varnishes_and_supplies", "parking_lots_garages", "passenger_railways", "pawn_shops",
    "pet_shops_pet_food_and_supplies", "petroleum_and_petroleum_products", "photo_developing",
    "photographic_photocopy_microfilm_equipment_and_supplies", "photographic_studios",
    "picture_video_production", "piece_goods_notions_and_other_dry_goods",
    "plumbing_heating_equipment_and_supplies", "political_organizations", "postal_services_government_only",
    "precious_stones_and_metals_watches_and_jewelry", "professional_services",
    "public_warehousing_and_storage", "quick_copy_repro_and_blueprint", "railroads",
    "real_estate_agents_and_managers_rentals", "record_stores", "recreational_vehicle_rentals",
    "religious_goods_stores", "religious_organizations", "roofing_siding_sheet_metal",
    "secretarial_support_services", "security_brokers_dealers", "service_stations",
    "sewing_needlework_fabric_and_piece_goods_stores", "shoe_repair_hat_cleaning", "shoe_stores",
    "small_appliance_repair", "snowmobile_dealers", "special_trade_services", "specialty_cleaning",
    "sporting_goods_stores", "sporting_recreation_camps", "sports_and_riding_apparel_stores",
    "sports_clubs_fields", "stamp_and_coin_stores", "stationary_office_supplies_printing_and_writing_paper",
    "stationery_stores_office_and_school_supply_stores", "swimming_pools_sales", "t_ui_travel_germany",
    "tailors_alterations", "tax_payments_government_agencies", "tax_preparation_services",
    "taxicabs_limousines", "telecommunication_equipment_and_telephone_sales", "telecommunication_services",
    "telegraph_services", "tent_and_awning_shops", "testing_laboratories", "theatrical_ticket_agencies",
    "timeshares", "tire_retreading_and_repair", "tolls_bridge_fees", "tourist_attractions_and_exhibits",
    "towing_services", "trailer_parks_campgrounds", "transportation_services",
    "travel_agencies_tour_operators", "truck_stop_iteration", "truck_utility_trailer_rentals",
    "typesetting_plate_making_and_related_services", "typewriter_stores",
    "u_s_federal_government_agencies_or_departments", "uniforms_commercial_clothing",
    "used_merchandise_and_secondhand_stores", "utilities", "variety_stores", "veterinary_services",
    "video_amusement_game_supplies", "video_game_arcades", "video_tape_rental_stores",
    "vocational_trade_schools", "watch_jewelry_repair", "welding_repair", "wholesale_clubs",
    "wig_and_toupee_stores", "wires_money_orders", "womens_accessory_and_specialty_shops",
    "womens_ready_to_wear_stores", "wrecking_and_salvage_yards"
  ]);

  const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
  const INTERVALS = [
    ['per_authorization', 'Per authorization'],
    ['daily', 'Per day'],
    ['weekly', 'Per week'],
    ['monthly', 'Per month'],
    ['yearly', 'Per year'],
    ['all_time', 'All time'],
  ];
  const STATUS_LABELS = { active: 'Active', inactive: 'Inactive', canceled: 'Canceled' };
  const TYPE_LABELS = { virtual: 'Virtual', physical: 'Physical' };

  // ---------------------------------------------------------------------------------------
  // Small helpers

  let uidCounter = 0;
  function uid(prefix) {
    uidCounter += 1;
    return (prefix || 'cx') + '-' + uidCounter;
  }

  /** Builds an element: h('button', {type: 'button', onclick}, 'Label'). */
  function h(tag, attrs) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const key of Object.keys(attrs)) {
        const value = attrs[key];
        if (value === undefined || value === null || value === false) continue;
        if (key.slice(0, 2) === 'on' && typeof value === 'function') el.addEventListener(key.slice(2), value);
        else if (key === 'class') el.className = value;
        else if (key === 'value' && (tag === 'input' || tag === 'textarea' || tag === 'select')) el.value = value;
        else if (value === true) el.setAttribute(key, '');
        else el.setAttribute(key, String(value));
      }
    }
    for (let i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(parent, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) {
      for (const c of child) append(parent, c);
      return;
    }
    parent.append(child instanceof Node ? child : String(child));
  }

  /** Stripe's form encoding with bracket notation; an empty array or null clears the field. */
  function encodeForm(params) {
    const parts = [];
    function walk(prefix, value) {
      if (value === undefined) return;
      if (value === null || (Array.isArray(value) && value.length === 0)) {
        parts.push(encodeURIComponent(prefix) + '=');
      } else if (Array.isArray(value)) {
        value.forEach(function (item, index) { walk(prefix + '[' + index + ']', item); });
      } else if (typeof value === 'object') {
        for (const key of Object.keys(value)) walk(prefix ? prefix + '[' + key + ']' : key, value[key]);
      } else {
        parts.push(encodeURIComponent(prefix) + '=' + encodeURIComponent(String(value)));
      }
    }
    walk('', params);
    return parts.join('&');
  }

  function kebab(name) {
    return name.replace(/[A-Z]/g, function (c) { return '-' + c.toLowerCase(); });
  }

  function formatAmount(amount, currency, locale) {
    const code = String(currency || 'usd').toLowerCase();
    const major = ZERO_DECIMAL.has(code) ? amount : amount / 100;
    try {
      return new Intl.NumberFormat(locale, { style: 'currency', currency: code.toUpperCase() }).format(major);
    } catch (_error) {
      return major + ' ' + code.toUpperCase();
    }
  }
  function toMinorUnits(text, currency) {
    const value = Number(String(text).trim());
    if (!Number.isFinite(value) || value < 0) return null;
    return ZERO_DECIMAL.has(String(currency).toLowerCase()) ? Math.round(value) : Math.round(value * 100);
  }
  function toMajorUnits(amount, currency) {
    return ZERO_DECIMAL.has(String(currency).toLowerCase()) ? String(amount) : (amount / 100).toFixed(2);
  }
  function formatDate(unixSeconds, locale) {
    try {
      return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(unixSeconds * 1000));
    } catch (_error) {
      return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
    }
  }
  function humanize(text) {
    const s = String(text || '').replace(/_/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }
  function cardholderName(card) {
    const holder = card.cardholder;
    if (holder && typeof holder === 'object') return holder.name || holder.id;
    return holder || 'Unknown cardholder';
  }
  /** A form control with its own <label for>, so the label's text is exactly its name. */
  function labelled(text, control) {
    if (!control.id) control.id = uid('field');
    return h('div', { class: 'field' }, h('label', { for: control.id }, text), control);
  }
  function parseCategories(text) {
    return String(text || '').split(/[\s,]+/).map(function (s) { return s.trim(); }).filter(Boolean);
  }
  function errorMessage(error, fallback) {
    if (error && typeof error.message === 'string' && error.message) return error.message;
    if (typeof error === 'string' && error) return error;
    return fallback;
  }

  // ---------------------------------------------------------------------------------------
  // Errors: Stripe's Connect load-error types (connect-js componentsAndSetters.d.ts)

  class ConnectError extends Error {
    constructor(type, message, status) {
      super(message);
      this.type = type;
      this.status = status;
    }
  }
  function errorTypeForStatus(status) {
    if (status === 401 || status === 403) return 'authentication_error';
    if (status === 429) return 'rate_limit_error';
    if (status >= 400 && status < 500) return 'invalid_request_error';
    return 'api_error';
  }
  function connectionError() {
    return new ConnectError('api_connection_error', "Couldn't reach Stripe. Check your connection and try again.");
  }

  // ---------------------------------------------------------------------------------------
  // Frames: every iframe we mount is on the emulator's origin; messages are accepted only from
  // that origin and from the exact window of a frame we mounted.

  const frameHandlers = new Map(); // iframe element -> handler(data)
  window.addEventListener('message', function (event) {
    if (event.origin !== EMULATOR_ORIGIN) return;
    const data = event.data;
    if (!data || typeof data !== 'object' || data.ns !== MESSAGE_NS) return;
    frameHandlers.forEach(function (handler, iframe) {
      if (iframe.contentWindow && iframe.contentWindow === event.source) handler(data);
    });
  });
  function postToFrame(iframe, message) {
    if (!iframe.contentWindow) return;
    iframe.contentWindow.postMessage(Object.assign({ ns: MESSAGE_NS }, message), EMULATOR_ORIGIN);
  }
  function frameUrl(page) {
    return EMULATOR_ORIGIN + '/_emulator/frames/' + page + '#parentOrigin=' + encodeURIComponent(location.origin);
  }

  // ---------------------------------------------------------------------------------------
  // The Connect instance (what StripeConnect.init returns) and its connector (what each
  // element receives through setConnector): session claim and renewal, the /v1 client,
  // appearance and locale.

  class Connector {
    constructor(params) {
      this.publishableKey = params.publishableKey;
      this.fetchClientSecret = typeof params.fetchClientSecret === 'function' ? params.fetchClientSecret : null;
      const meta = params.metaOptions || {};
      this.eagerSecretPromise = meta.eagerClientSecretPromise && typeof meta.eagerClientSecretPromise.then === 'function'
        ? meta.eagerClientSecretPromise
        : null;
      if (this.eagerSecretPromise) this.eagerSecretPromise.catch(function () { /* reported when claimed */ });
      this.appearance = (params.appearance && params.appearance.variables) || {};
      this.locale = params.locale && params.locale !== 'auto' ? params.locale : (navigator.language || 'en-US');
      this.elements = new Set();
      this.current = null;
      this.pending = null;
      this.loggedOut = false;
      loadFonts(params.fonts);
    }

    register(element) { this.elements.add(element); }
    unregister(element) { this.elements.delete(element); }

    update(options) {
      if (!options) return;
      if (options.appearance && options.appearance.variables) this.appearance = Object.assign({}, options.appearance.variables);
      if (options.locale) this.locale = options.locale === 'auto' ? (navigator.language || 'en-US') : options.locale;
      this.elements.forEach((element) => element.onConnectorUpdate());
    }

    /** Destroys the session (the emulator revokes the token) and disables every component. */
    async logout() {
      const session = this.current;
      this.loggedOut = true;
      this.current = null;
      this.elements.forEach((element) => element.onLogout());
      if (!session) return;
      try {
        await fetch(EMULATOR_ORIGIN + '/_emulator/connect/logout', {
          method: 'POST',
          headers: { Authorization: 'Bearer ' + session.token },
        });
      } catch (_error) { /* the token expires with the session anyway */ }
    }

    /** A live Connect session ({token, account, components, expires_at}), claimed or renewed as needed. */
    session() {
      if (this.loggedOut) return Promise.reject(new ConnectError('authentication_error', 'This session has ended.'));
      if (this.current && Date.now() / 1000 < this.current.expires_at - SESSION_EXPIRY_SKEW_SECONDS) {
        return Promise.resolve(this.current);
      }
      if (!this.pending) {
        this.pending = this.establish().finally(() => { this.pending = null; });
      }
      return this.pending;
    }

    async establish() {
      // The eager secret (fetched by @stripe/connect-js at init) is used first and once; a secret
      // that was already used or has expired is replaced by calling fetchClientSecret again.
      for (let attempt = 0; attempt < 2; attempt++) {
        const secret = await this.nextClientSecret();
        let response;
        try {
          response = await fetch(EMULATOR_ORIGIN + '/_emulator/connect/claim', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ client_secret: secret }),
          });
        } catch (_error) {
          throw connectionError();
        }
        const body = await response.json().catch(function () { return null; });
        if (response.ok && body && body.token) {
          this.current = body;
          return body;
        }
        const message = (body && body.error && body.error.message) || 'The Account Session could not be used.';
        if (response.status >= 400 && response.status < 500 && response.status !== 429 && attempt === 0) continue;
        throw new ConnectError(response.status >= 500 ? 'api_error' : 'account_session_create_error', message, response.status);
      }
      throw new ConnectError('account_session_create_error', 'The Account Session could not be used.');
    }

    async nextClientSecret() {
      let promise;
      if (this.eagerSecretPromise) {
        promise = this.eagerSecretPromise;
        this.eagerSecretPromise = null;
      } else if (this.fetchClientSecret) {
        try {
          promise = Promise.resolve(this.fetchClientSecret());
        } catch (error) {
          promise = Promise.reject(error);
        }
      } else {
        throw new ConnectError('account_session_create_error', 'fetchClientSecret was not provided to StripeConnect.init.');
      }
      let secret;
      try {
        secret = await promise;
      } catch (error) {
        throw new ConnectError('account_session_create_error', 'Failed to fetch the Account Session client secret: ' + errorMessage(error, 'unknown error'));
      }
      if (typeof secret !== 'string' || !secret) {
        throw new ConnectError('account_session_create_error', 'fetchClientSecret must resolve to the Account Session client secret (a string).');
      }
      return secret;
    }

    /** Calls the emulator's /v1 API as the session; one retry with a renewed session on 401. */
    async api(method, path, params) {
      for (let attempt = 0; attempt < 2; attempt++) {
        const session = await this.session();
        let url = EMULATOR_ORIGIN + path;
        const init = { method: method, headers: { Authorization: 'Bearer ' + session.token } };
        if (params && method === 'GET') {
          const query = encodeForm(params);
          if (query) url += (url.indexOf('?') >= 0 ? '&' : '?') + query;
        } else if (params) {
          init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
          init.body = encodeForm(params);
        }
        let response;
        try {
          response = await fetch(url, init);
        } catch (_error) {
          throw connectionError();
        }
        const body = await response.json().catch(function () { return null; });
        if (response.ok) return body;
        if (response.status === 401 && attempt === 0) {
          if (this.current === session) this.current = null; // expired or revoked: claim a new one
          continue;
        }
        const message = (body && body.error && body.error.message) || 'Stripe returned an error (HTTP ' + response.status + ').';
        throw new ConnectError(errorTypeForStatus(response.status), message, response.status);
      }
      throw new ConnectError('authentication_error', 'The session could not be renewed.');
    }

    async listAll(path, params) {
      const all = [];
      let startingAfter;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const query = Object.assign({ limit: 100 }, params);
        if (startingAfter) query.starting_after = startingAfter;
        const list = await this.api('GET', path, query);
        const data = (list && list.data) || [];
        all.push.apply(all, data);
        if (!list || !list.has_more || data.length === 0) break;
        startingAfter = data[data.length - 1].id;
      }
      return all;
    }
  }

  const loadedFonts = new Set();
  function loadFonts(fonts) {
    if (!Array.isArray(fonts)) return;
    for (const font of fonts) {
      if (!font) continue;
      if (font.cssSrc && !loadedFonts.has(font.cssSrc)) {
        loadedFonts.add(font.cssSrc);
        document.head.append(h('link', { rel: 'stylesheet', href: font.cssSrc }));
      } else if (font.family && font.src && typeof FontFace === 'function') {
        try {
          const face = new FontFace(font.family, font.src, { style: font.style, weight: font.weight, display: font.display, unicodeRange: font.unicodeRange });
          document.fonts.add(face);
          face.load().catch(function () { /* the fallback font stays */ });
        } catch (_error) { /* invalid descriptor: keep the fallback font */ }
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Styles (inside each component's shadow root); appearance variables become --cx-* properties.

  const STYLES = `
  :host { display: block; }
  .root {
    font-family: var(--cx-font-family, -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif);
    font-size: var(--cx-font-size-base, 14px);
    color: var(--cx-color-text, #30313d);
    background: var(--cx-color-background, #ffffff);
    line-height: 1.45;
  }
  .muted { color: var(--cx-color-secondary-text, #6a7383); }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  button {
    font: inherit; cursor: pointer;
    border-radius: var(--cx-button-border-radius, var(--cx-border-radius, 6px));
    border: 1px solid var(--cx-button-secondary-color-border, var(--cx-color-border, #d5dbe1));
    background: var(--cx-button-secondary-color-background, #ffffff);
    color: var(--cx-button-secondary-color-text, var(--cx-color-text, #30313d));
    padding: var(--cx-button-padding-y, 6px) var(--cx-button-padding-x, 12px);
  }
  button.primary {
    background: var(--cx-button-primary-color-background, var(--cx-color-primary, #635bff));
    border-color: var(--cx-button-primary-color-border, var(--cx-color-primary, #635bff));
    color: var(--cx-button-primary-color-text, #ffffff);
  }
  button.danger {
    background: var(--cx-button-danger-color-background, var(--cx-color-danger, #df1b41));
    border-color: var(--cx-button-danger-color-border, var(--cx-color-danger, #df1b41));
    color: var(--cx-button-danger-color-text, #ffffff);
  }
  button.link {
    border: none; background: none; padding: 0; text-align: left;
    color: var(--cx-action-primary-color-text, var(--cx-color-primary, #635bff));
  }
  button[disabled] { opacity: 0.6; cursor: default; }
  :focus-visible { outline: 2px solid var(--cx-color-primary, #635bff); outline-offset: 2px; }
  select, input, textarea {
    font: inherit; color: inherit;
    background: var(--cx-form-background-color, #ffffff);
    border: 1px solid var(--cx-color-border, #d5dbe1);
    border-radius: var(--cx-form-border-radius, var(--cx-border-radius, 6px));
    padding: var(--cx-input-field-padding-y, 4px) var(--cx-input-field-padding-x, 8px);
  }
  .filters { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 12px; }
  .field { display: flex; flex-direction: column; gap: 2px; }
  .field > label { font-weight: 500; }
  table { width: 100%; border-collapse: collapse; }
  th { text-align: left; font-weight: 600; border-bottom: 1px solid var(--cx-color-border, #d5dbe1); padding: 6px 8px; }
  td { border-bottom: 1px solid var(--cx-color-border, #ebeef1); padding: var(--cx-table-row-padding-y, 8px) 8px; }
  tbody tr { cursor: pointer; }
  tbody tr:hover { background: var(--cx-offset-background-color, #f6f8fa); }
  .badge {
    display: inline-block; padding: 1px 8px; font-size: 12px; font-weight: 600;
    border-radius: var(--cx-badge-border-radius, 10px);
    background: var(--cx-badge-neutral-color-background, #ebeef1); color: var(--cx-badge-neutral-color-text, #545969);
  }
  .badge.active { background: var(--cx-badge-success-color-background, #d7f7c2); color: var(--cx-badge-success-color-text, #05690d); }
  .badge.inactive { background: var(--cx-badge-warning-color-background, #fcedb9); color: var(--cx-badge-warning-color-text, #a82c00); }
  .badge.canceled { background: var(--cx-badge-danger-color-background, #ffe7f2); color: var(--cx-badge-danger-color-text, #b3063d); }
  .alert { color: var(--cx-color-danger, #df1b41); margin: 8px 0; }
  .status { margin: 8px 0; }
  .state { padding: 24px 0; text-align: center; }
  .card-view h2 { font-size: 18px; margin: 8px 0; }
  .card-view h3 { font-size: 15px; margin: 12px 0 6px; }
  dl.details { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 8px 0; }
  dl.details dt { color: var(--cx-color-secondary-text, #6a7383); }
  dl.details dd { margin: 0; }
  dl.details ul { margin: 0; padding-left: 1.1em; }
  .actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 12px 0; }
  [role="tablist"] { display: flex; gap: 4px; border-bottom: 1px solid var(--cx-color-border, #d5dbe1); margin: 8px 0; }
  [role="tab"] { border: none; border-bottom: 2px solid transparent; border-radius: 0; background: none; }
  [role="tab"][aria-selected="true"] { border-bottom-color: var(--cx-color-primary, #635bff); color: var(--cx-color-primary, #635bff); }
  iframe.card-details { width: 100%; border: 0; height: 120px; display: block; margin: 8px 0; }
  fieldset { border: 1px solid var(--cx-color-border, #d5dbe1); border-radius: var(--cx-border-radius, 6px); margin: 8px 0; padding: 8px 12px; }
  .limit-row { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-end; }
  .radio { display: flex; gap: 6px; align-items: center; font-weight: 400; }
  dialog {
    border: 1px solid var(--cx-color-border, #d5dbe1);
    border-radius: var(--cx-overlay-border-radius, var(--cx-border-radius, 8px));
    color: var(--cx-color-text, #30313d); background: var(--cx-color-background, #ffffff);
    max-width: 420px;
  }
  dialog::backdrop { background: var(--cx-overlay-backdrop-color, rgba(0, 0, 0, 0.4)); }
  `;

  function applyAppearance(target, variables) {
    for (const name of Object.keys(variables || {})) {
      const value = variables[name];
      if (value === undefined || value === null) continue;
      target.style.setProperty('--cx-' + kebab(name), typeof value === 'number' && !/zindex/i.test(name) ? value + 'px' : String(value));
    }
  }

  /** An integrator's listener that throws must not break the component; report it asynchronously. */
  function callListener(listener, event) {
    try {
      listener(event);
    } catch (error) {
      setTimeout(function () { throw error; }, 0);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Base element: setConnector, load-error and loader-start listeners, lifecycle.

  class ConnectElement extends HTMLElement {
    constructor() {
      super();
      this.shadow = this.attachShadow({ mode: 'open' });
      this.rootEl = h('div', { class: 'root', part: 'root' });
      this.shadow.append(h('style', null, STYLES), this.rootEl);
      this.connector = null;
      this.started = false;
      this.onLoadErrorListener = null;
      this.onLoaderStartListener = null;
      this.loaderStartEvent = null; // replayed to a listener set after loading began
      this.loadErrorEvent = null;
      this.fetchEphemeralKey = null;
      this.showSpendControls = false;
    }

    setConnector(connector) {
      if (this.connector === connector) return;
      if (this.connector) this.connector.unregister(this);
      this.connector = connector;
      connector.register(this);
      applyAppearance(this.rootEl, connector.appearance);
      this.scheduleStart();
    }
    connectedCallback() { this.scheduleStart(); }
    disconnectedCallback() { /* kept registered: React may re-attach the same element */ }

    setOnLoadErrorInternalOnly(listener) {
      this.onLoadErrorListener = typeof listener === 'function' ? listener : null;
      if (this.onLoadErrorListener && this.loadErrorEvent) callListener(this.onLoadErrorListener, this.loadErrorEvent);
    }
    setOnLoaderStartInternalOnly(listener) {
      this.onLoaderStartListener = typeof listener === 'function' ? listener : null;
      if (this.onLoaderStartListener && this.loaderStartEvent) callListener(this.onLoaderStartListener, this.loaderStartEvent);
    }

    scheduleStart() {
      if (this.started || !this.connector || !this.isConnected) return;
      this.started = true;
      // Start after the setters the loader forwards in the same turn (onLoaderStart, defaultCard…).
      setTimeout(() => this.start(), 0);
    }

    emitLoaderStart() {
      this.loaderStartEvent = { elementTagName: this.localName };
      if (this.onLoaderStartListener) callListener(this.onLoaderStartListener, this.loaderStartEvent);
    }
    emitLoadError(error) {
      const type = error instanceof ConnectError ? error.type : 'render_error';
      const message = errorMessage(error, 'The component could not be loaded.');
      this.loadErrorEvent = { error: { type: type, message: message }, elementTagName: this.localName };
      if (this.onLoadErrorListener) callListener(this.onLoadErrorListener, this.loadErrorEvent);
    }

    /** Session features for this component, or a ConnectError if the session doesn't enable it. */
    async componentFeatures() {
      const session = await this.connector.session();
      const component = session.components && session.components[this.constructor.componentName];
      if (!component || !component.enabled) {
        throw new ConnectError('invalid_request_error', 'This Account Session does not enable the ' + this.constructor.componentName + ' component.');
      }
      return component.features || {};
    }

    showState(kind, text, retry) {
      const attrs = kind === 'error' ? { class: 'state alert', role: 'alert' } : { class: 'state', role: 'status' };
      this.rootEl.replaceChildren(h('div', attrs,
        h('p', null, text),
        retry ? h('button', { type: 'button', onclick: retry }, 'Try again') : null));
    }

    /**
     * Runs a (re)load with loading and error states. A newer load (e.g. defaultCard changed
     * while loading) supersedes an older one: `isCurrent()` tells the loader to stop.
     */
    async loadWithStates(load) {
      const generation = (this.loadGeneration = (this.loadGeneration || 0) + 1);
      const isCurrent = () => generation === this.loadGeneration;
      this.emitLoaderStart();
      this.showState('loading', 'Loading…');
      try {
        await load(isCurrent);
      } catch (error) {
        if (!isCurrent()) return;
        this.emitLoadError(error);
        this.showState('error', errorMessage(error, 'Something went wrong.'), () => {
          this.loadErrorEvent = null;
          this.start();
        });
      }
    }

    onConnectorUpdate() {
      applyAppearance(this.rootEl, this.connector.appearance);
      if (this.cardView) this.cardView.onAppearanceChange();
      this.rerender();
    }
    onLogout() {
      this.loadGeneration = (this.loadGeneration || 0) + 1; // drop loads in flight
      if (this.cardView) this.cardView.destroy();
      this.cardView = null;
      this.showState('ended', 'This session has ended.');
    }
    rerender() { /* subclasses */ }
  }

  // ---------------------------------------------------------------------------------------
  // Card view: details, actions, numbers (iframe), spend controls. Used by both components.

  class CardView {
    /**
     * @param {{ host: ConnectElement, features: object, card: object, onCardChange?: (card) => void,
     *           header?: Node }} options
     */
    constructor(options) {
      this.host = options.host;
      this.features = options.features || {};
      this.onCardChange = options.onCardChange || function () {};
      this.card = options.card;
      this.reveal = { state: 'idle', message: '', iframe: null };
      this.activeTab = 'overview';
      this.headingId = uid('card-heading');

      this.headerRegion = h('div');
      this.tabsRegion = h('div');
      this.detailsRegion = h('div');
      this.messageRegion = h('div');
      this.actionsRegion = h('div');
      this.revealRegion = h('div', { class: 'reveal' });
      this.overviewPanel = h('div', { id: uid('panel'), role: 'tabpanel' }, this.detailsRegion, this.messageRegion, this.actionsRegion, this.revealRegion);
      this.spendPanel = h('div', { id: uid('panel'), role: 'tabpanel', hidden: true });
      this.dialog = null;
      this.el = h('section', { class: 'card-view', 'aria-labelledby': this.headingId },
        options.header || null, this.headerRegion, this.tabsRegion, this.overviewPanel, this.spendPanel);
      this.renderAll();
    }

    get locale() { return this.host.connector ? this.host.connector.locale : undefined; }
    get api() { return this.host.connector; }

    setCard(card) {
      const changed = !this.card || card.id !== this.card.id;
      this.card = card;
      if (changed) {
        this.clearReveal();
        this.spendDraft = null;
      }
      this.renderAll();
    }

    renderAll() {
      this.renderHeader();
      this.renderTabs();
      this.renderDetails();
      this.renderActions();
      this.renderReveal();
      this.renderSpendControls();
    }

    focusHeading() {
      const heading = this.headerRegion.querySelector('h2');
      if (heading) heading.focus();
    }

    renderHeader() {
      const card = this.card;
      this.headerRegion.replaceChildren(
        h('h2', { id: this.headingId, tabindex: '-1' }, cardholderName(card) + ' · •••• ' + card.last4, ' ',
          h('span', { class: 'badge ' + card.status }, STATUS_LABELS[card.status] || humanize(card.status))));
    }

    renderTabs() {
      const show = !!this.host.showSpendControls;
      if (!show) {
        this.activeTab = 'overview';
        this.tabsRegion.replaceChildren();
        this.overviewPanel.removeAttribute('aria-labelledby');
        this.overviewPanel.removeAttribute('role');
        this.overviewPanel.hidden = false;
        this.spendPanel.hidden = true;
        return;
      }
      const tabs = [['overview', 'Overview', this.overviewPanel], ['spend', 'Spend controls', this.spendPanel]];
      const buttons = tabs.map((tab) => {
        const id = uid('tab');
        const selected = this.activeTab === tab[0];
        tab[2].setAttribute('role', 'tabpanel');
        tab[2].setAttribute('aria-labelledby', id);
        tab[2].hidden = !selected;
        return h('button', {
          type: 'button', role: 'tab', id: id, 'aria-selected': String(selected), 'aria-controls': tab[2].id,
          tabindex: selected ? '0' : '-1',
          onclick: () => { this.activeTab = tab[0]; this.renderTabs(); this.tabsRegion.querySelector('[aria-selected="true"]').focus(); },
        }, tab[1]);
      });
      const list = h('div', {
        role: 'tablist', 'aria-label': 'Card sections',
        onkeydown: (event) => {
          if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft' && event.key !== 'Home' && event.key !== 'End') return;
          event.preventDefault();
          const index = tabs.findIndex((tab) => tab[0] === this.activeTab);
          let next = index;
          if (event.key === 'ArrowRight') next = (index + 1) % tabs.length;
          if (event.key === 'ArrowLeft') next = (index - 1 + tabs.length) % tabs.length;
          if (event.key === 'Home') next = 0;
          if (event.key === 'End') next = tabs.length - 1;
          this.activeTab = tabs[next][0];
          this.renderTabs();
          this.tabsRegion.querySelector('[aria-selected="true"]').focus();
        },
      }, buttons);
      this.tabsRegion.replaceChildren(list);
    }

    renderDetails() {
      const card = this.card;
      const holder = card.cardholder && typeof card.cardholder === 'object' ? card.cardholder : null;
      const limits = (card.spending_controls && card.spending_controls.spending_limits) || [];
      const rows = [
        ['Cardholder', holder ? [holder.name || holder.id, holder.email ? h('span', { class: 'muted' }, ' (' + holder.email + ')') : null] : cardholderName(card)],
        ['Card number', '•••• •••• •••• ' + card.last4],
        ['Brand', card.brand || '—'],
        ['Type', TYPE_LABELS[card.type] || humanize(card.type)],
        ['Status', [STATUS_LABELS[card.status] || humanize(card.status), card.status === 'canceled' && card.cancellation_reason ? ' (' + humanize(card.cancellation_reason) + ')' : null]],
        ['Created', card.created ? formatDate(card.created, this.locale) : '—'],
        ['Spending limits', limits.length ? h('ul', null, limits.map((limit) => h('li', null, this.describeLimit(limit)))) : 'No spending limits'],
      ];
      this.detailsRegion.replaceChildren(h('dl', { class: 'details' }, rows.map(function (row) {
        return [h('dt', null, row[0]), h('dd', null, row[1])];
      })));
    }

    describeLimit(limit) {
      const interval = INTERVALS.find(function (i) { return i[0] === limit.interval; });
      const text = formatAmount(limit.amount, this.card.currency, this.locale) + ' ' + (interval ? interval[1].toLowerCase() : humanize(limit.interval));
      return limit.categories && limit.categories.length ? text + ' on ' + limit.categories.map(humanize).join(', ') : text;
    }

    showMessage(kind, text) {
      this.messageRegion.replaceChildren(text ? h('p', kind === 'error' ? { class: 'alert', role: 'alert' } : { class: 'status', role: 'status' }, text) : '');
    }

    renderActions() {
      const card = this.card;
      if (!this.features.card_management) {
        this.actionsRegion.replaceChildren();
        return;
      }
      if (card.status === 'canceled') {
        this.actionsRegion.replaceChildren(h('p', { class: 'muted' }, 'This card is canceled. Canceled cards cannot be reactivated.'));
        return;
      }
      const buttons = [];
      if (card.status === 'active') {
        buttons.push(h('button', { type: 'button', 'data-action': 'freeze', onclick: () => this.changeStatus('inactive', 'Card frozen.') }, 'Freeze card'));
      } else {
        buttons.push(h('button', { type: 'button', class: 'primary', 'data-action': 'activate', onclick: () => this.changeStatus('active', 'Card activated.') }, 'Activate card'));
      }
      buttons.push(h('button', { type: 'button', class: 'danger', 'data-action': 'cancel', onclick: () => this.openCancelDialog() }, 'Cancel card'));
      this.actionsRegion.replaceChildren(h('div', { class: 'actions', role: 'group', 'aria-label': 'Card actions' }, buttons));
    }

    setActionsBusy(busy) {
      this.actionsRegion.querySelectorAll('button').forEach(function (button) {
        button.disabled = busy;
      });
    }

    async updateCard(params) {
      const updated = await this.api.api('POST', '/v1/issuing/cards/' + encodeURIComponent(this.card.id), Object.assign({ 'expand[]': 'cardholder' }, params));
      // Keep the expanded cardholder even if the emulator returned only its id.
      if (updated && typeof updated.cardholder !== 'object' && typeof this.card.cardholder === 'object') updated.cardholder = this.card.cardholder;
      this.card = updated;
      this.onCardChange(updated);
      this.renderHeader();
      this.renderDetails();
      this.renderActions();
      this.renderReveal();
      return updated;
    }

    async changeStatus(status, doneText) {
      const focusedAction = this.host.shadow.activeElement && this.host.shadow.activeElement.getAttribute('data-action');
      this.setActionsBusy(true);
      this.showMessage('status', 'Saving…');
      try {
        await this.updateCard({ status: status });
        this.showMessage('status', doneText);
      } catch (error) {
        this.setActionsBusy(false);
        this.showMessage('error', errorMessage(error, 'The card could not be updated.'));
      }
      // The pressed button was replaced (Freeze <-> Activate): keep focus in the actions.
      if (focusedAction) {
        const next = this.actionsRegion.querySelector('button');
        if (next) next.focus();
      }
    }

    openCancelDialog() {
      if (this.dialog) this.dialog.remove();
      const titleId = uid('dialog-title');
      const descId = uid('dialog-desc');
      const errorRegion = h('div');
      const reasonName = uid('reason');
      const trigger = this.actionsRegion.querySelector('[data-action="cancel"]');
      const dialog = h('dialog', { 'aria-labelledby': titleId, 'aria-describedby': descId },
        h('h3', { id: titleId }, 'Cancel card •••• ' + this.card.last4 + '?'),
        h('p', { id: descId }, 'Canceling a card is permanent. A canceled card can\'t be reactivated or used again.'),
        h('fieldset', null,
          h('legend', null, 'Why are you canceling this card?'),
          h('label', { class: 'radio' }, h('input', { type: 'radio', name: reasonName, value: 'lost' }), 'Lost'),
          h('label', { class: 'radio' }, h('input', { type: 'radio', name: reasonName, value: 'stolen' }), 'Stolen')),
        errorRegion,
        h('div', { class: 'actions' },
          h('button', { type: 'button', 'data-role': 'keep', onclick: () => dialog.close() }, 'Keep card'),
          h('button', {
            type: 'button', class: 'danger', 'data-role': 'confirm',
            onclick: async (event) => {
              const checked = dialog.querySelector('input[name="' + reasonName + '"]:checked');
              if (!checked) {
                errorRegion.replaceChildren(h('p', { class: 'alert', role: 'alert' }, 'Choose whether the card was lost or stolen.'));
                dialog.querySelector('input[type="radio"]').focus();
                return;
              }
              event.currentTarget.disabled = true;
              errorRegion.replaceChildren(h('p', { role: 'status' }, 'Canceling…'));
              try {
                await this.updateCard({ status: 'canceled', cancellation_reason: checked.value });
                dialog.close();
                this.showMessage('status', 'Card canceled.');
                this.focusHeading();
              } catch (error) {
                event.currentTarget.disabled = false;
                errorRegion.replaceChildren(h('p', { class: 'alert', role: 'alert' }, errorMessage(error, 'The card could not be canceled.')));
              }
            },
          }, 'Cancel card permanently')));
      dialog.addEventListener('close', () => {
        dialog.remove();
        if (this.dialog === dialog) this.dialog = null;
        if (trigger && trigger.isConnected) trigger.focus();
      });
      this.dialog = dialog;
      this.el.append(dialog);
      dialog.showModal();
      dialog.querySelector('input[type="radio"]').focus();
    }

    // -- numbers (PAN, CVC, expiry) in the emulator's iframe -------------------------------

    canReveal() {
      return typeof this.host.fetchEphemeralKey === 'function' && this.card.status !== 'canceled';
    }

    clearReveal() {
      if (this.reveal.iframe) frameHandlers.delete(this.reveal.iframe);
      this.reveal = { state: 'idle', message: '', iframe: null, token: {} };
    }

    renderReveal() {
      if (!this.canReveal()) {
        this.clearReveal();
        this.revealRegion.replaceChildren();
        return;
      }
      const state = this.reveal.state;
      if (state === 'shown' || state === 'frame-loading') {
        // The iframe stays where it is (moving an iframe reloads it); only the button changes.
        let button = this.revealRegion.querySelector('button[data-reveal]');
        if (!button) return;
        button.textContent = 'Hide numbers';
        button.disabled = false;
        return;
      }
      const nodes = [];
      nodes.push(h('button', {
        type: 'button', 'data-reveal': 'show', disabled: state === 'loading',
        'aria-busy': state === 'loading' ? 'true' : null,
        onclick: () => this.showNumbers(),
      }, 'Show numbers'));
      if (state === 'loading') nodes.push(h('p', { role: 'status', class: 'status' }, 'Loading card details…'));
      if (state === 'error') nodes.push(h('p', { role: 'alert', class: 'alert' }, this.reveal.message));
      this.revealRegion.replaceChildren(h('div', { class: 'actions' }, nodes));
    }

    async showNumbers() {
      const card = this.card;
      const token = {};
      this.clearReveal();
      this.reveal.token = token;
      this.reveal.state = 'loading';
      this.renderReveal();
      const stillCurrent = () => this.reveal.token === token && this.card.id === card.id;
      let key;
      try {
        const nonceResponse = await this.api.api('POST', '/v1/ephemeral_key_nonces', { issuing_card: card.id });
        const nonce = nonceResponse && (nonceResponse.nonce || nonceResponse.id);
        if (!nonce) throw new ConnectError('api_error', 'Stripe did not return an ephemeral key nonce.');
        let result;
        try {
          result = await this.host.fetchEphemeralKey({ issuingCard: card.id, nonce: nonce });
        } catch (error) {
          throw new Error('Couldn\'t show the card\'s numbers: ' + errorMessage(error, 'the ephemeral key request failed.'));
        }
        if (!result || typeof result.ephemeralKeySecret !== 'string' || !result.ephemeralKeySecret) {
          throw new Error('Couldn\'t show the card\'s numbers: fetchEphemeralKey must resolve to { issuingCard, nonce, ephemeralKeySecret }.');
        }
        if (result.issuingCard && result.issuingCard !== card.id) {
          throw new Error('Couldn\'t show the card\'s numbers: the ephemeral key is for a different card.');
        }
        key = { issuingCard: card.id, nonce: result.nonce || nonce, ephemeralKeySecret: result.ephemeralKeySecret };
      } catch (error) {
        if (!stillCurrent()) return;
        this.reveal.state = 'error';
        this.reveal.message = errorMessage(error, 'Couldn\'t show the card\'s numbers.');
        this.renderReveal();
        const button = this.revealRegion.querySelector('button[data-reveal]');
        if (button) button.focus();
        return;
      }
      if (!stillCurrent()) return;
      this.mountDetailsFrame(key);
    }

    mountDetailsFrame(key) {
      const iframe = h('iframe', {
        class: 'card-details', title: 'Card details for card ending in ' + this.card.last4,
        src: frameUrl('card-details.html'), allow: 'clipboard-write',
      });
      const status = h('p', { role: 'status', class: 'status' }, 'Loading card details…');
      const button = h('button', { type: 'button', 'data-reveal': 'hide', onclick: () => this.hideNumbers() }, 'Hide numbers');
      this.reveal.state = 'frame-loading';
      this.reveal.iframe = iframe;
      frameHandlers.set(iframe, (data) => {
        if (data.type === 'ready') {
          postToFrame(iframe, {
            type: 'show-card', issuingCard: key.issuingCard, nonce: key.nonce, ephemeralKeySecret: key.ephemeralKeySecret,
            appearance: this.host.connector ? this.host.connector.appearance : {}, locale: this.locale,
          });
        } else if (data.type === 'resize' && typeof data.height === 'number') {
          iframe.style.height = Math.max(40, Math.ceil(data.height)) + 'px';
        } else if (data.type === 'loaded') {
          this.reveal.state = 'shown';
          status.textContent = 'Card details shown.';
        } else if (data.type === 'error') {
          status.textContent = '';
          status.setAttribute('role', 'alert');
          status.className = 'alert';
          status.textContent = typeof data.message === 'string' ? data.message : 'Couldn\'t load the card details.';
        }
      });
      this.revealRegion.replaceChildren(h('div', { class: 'actions' }, button), status, iframe);
      button.focus();
    }

    hideNumbers() {
      this.clearReveal();
      this.renderReveal();
      const button = this.revealRegion.querySelector('button[data-reveal]');
      if (button) button.focus();
    }

    onAppearanceChange() {
      if (this.reveal.iframe) postToFrame(this.reveal.iframe, { type: 'appearance', appearance: this.host.connector.appearance });
    }

    // -- spend controls ---------------------------------------------------------------------

    currentSpendDraft() {
      if (this.spendDraft) return this.spendDraft;
      const controls = this.card.spending_controls || {};
      const currency = this.card.currency || 'usd';
      let mode = 'all';
      let categories = [];
      if (controls.allowed_categories && controls.allowed_categories.length) {
        mode = 'allowed';
        categories = controls.allowed_categories;
      } else if (controls.blocked_categories && controls.blocked_categories.length) {
        mode = 'blocked';
        categories = controls.blocked_categories;
      }
      this.spendDraft = {
        limits: (controls.spending_limits || []).map(function (limit) {
          return { amount: toMajorUnits(limit.amount, currency), interval: limit.interval, categories: (limit.categories || []).join(', ') };
        }),
        mode: mode,
        categories: categories.join(', '),
      };
      return this.spendDraft;
    }

    renderSpendControls() {
      if (!this.host.showSpendControls) {
        this.spendPanel.replaceChildren();
        return;
      }
      const card = this.card;
      const controls = card.spending_controls || {};
      const editable = !!this.features.spend_control_management && card.status !== 'canceled';
      if (!editable) {
        const limits = controls.spending_limits || [];
        const allowed = controls.allowed_categories || [];
        const blocked = controls.blocked_categories || [];
        this.spendPanel.replaceChildren(
          h('h3', null, 'Spending limits'),
          limits.length ? h('ul', null, limits.map((limit) => h('li', null, this.describeLimit(limit)))) : h('p', null, 'No spending limits'),
          h('h3', null, 'Merchant categories'),
          h('p', null, allowed.length ? 'Allowed only: ' + allowed.map(humanize).join(', ')
            : blocked.length ? 'Blocked: ' + blocked.map(humanize).join(', ') : 'All categories allowed'),
          h('p', { class: 'muted' }, card.status === 'canceled' ? 'Spend controls of a canceled card can\'t be changed.' : 'You don\'t have permission to change spend controls.'));
        return;
      }
      const draft = this.currentSpendDraft();
      const currencyCode = String(card.currency || 'usd').toUpperCase();
      const messageRegion = h('div');
      this.spendMessageRegion = messageRegion;
      const limitRows = draft.limits.map((limit, index) => {
        const n = index + 1;
        return h('fieldset', { class: 'limit-row' },
          h('legend', null, 'Limit ' + n),
          labelled('Amount (' + currencyCode + ')',
            h('input', { type: 'number', min: '0.01', step: 'any', inputmode: 'decimal', required: true, value: limit.amount, oninput: (e) => { limit.amount = e.target.value; } })),
          labelled('Interval',
            h('select', { onchange: (e) => { limit.interval = e.target.value; } },
              INTERVALS.map(function (i) { return h('option', { value: i[0], selected: i[0] === limit.interval }, i[1]); }))),
          labelled('Categories (optional, comma-separated)',
            h('input', { type: 'text', value: limit.categories, oninput: (e) => { limit.categories = e.target.value; } })),
          h('button', { type: 'button', 'aria-label': 'Remove limit ' + n, onclick: () => {
            draft.limits.splice(index, 1);
            this.renderSpendControls();
            const add = this.spendPanel.querySelector('[data-add-limit]');
            if (add) add.focus();
          } }, 'Remove'));
      });
      const modeName = uid('mode');
      const modes = [['all', 'All categories'], ['allowed', 'Allow only these categories'], ['blocked', 'Block these categories']];
      const categoriesInput = h('textarea', {
        rows: '2', disabled: draft.mode === 'all', 'aria-describedby': null,
        oninput: (e) => { draft.categories = e.target.value; },
      });
      categoriesInput.value = draft.categories;
      const form = h('form', {
        'aria-label': 'Spend controls', novalidate: true,
        onsubmit: (event) => { event.preventDefault(); this.saveSpendControls(form, messageRegion); },
      },
        h('h3', null, 'Spending limits'),
        limitRows.length ? limitRows : h('p', { class: 'muted' }, 'No spending limits.'),
        h('button', { type: 'button', 'data-add-limit': true, onclick: () => {
          draft.limits.push({ amount: '', interval: 'daily', categories: '' });
          this.renderSpendControls();
          const inputs = this.spendPanel.querySelectorAll('.limit-row input[type="number"]');
          if (inputs.length) inputs[inputs.length - 1].focus();
        } }, 'Add spending limit'),
        h('fieldset', null,
          h('legend', null, 'Merchant categories'),
          modes.map((m) => h('label', { class: 'radio' },
            h('input', { type: 'radio', name: modeName, value: m[0], checked: draft.mode === m[0], onchange: () => {
              draft.mode = m[0];
              categoriesInput.disabled = m[0] === 'all';
            } }), m[1])),
          labelled('Categories (comma-separated, e.g. grocery_stores_supermarkets)', categoriesInput)),
        messageRegion,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save spend controls')));
      this.spendPanel.replaceChildren(form);
    }

    async saveSpendControls(form, messageRegion) {
      const draft = this.currentSpendDraft();
      const currency = this.card.currency || 'usd';
      const problems = [];
      const limits = draft.limits.map(function (limit, index) {
        const amount = toMinorUnits(limit.amount, currency);
        if (limit.amount === '' || amount === null || amount < 1) problems.push('Limit ' + (index + 1) + ': enter an amount greater than 0.');
        const categories = parseCategories(limit.categories);
        categories.forEach(function (c) { if (!MERCHANT_CATEGORIES.has(c)) problems.push('Limit ' + (index + 1) + ': unknown category "' + c + '".'); });
        const out = { amount: amount, interval: limit.interval };
        if (categories.length) out.categories = categories;
        return out;
      });
      const categories = draft.mode === 'all' ? [] : parseCategories(draft.categories);
      if (draft.mode !== 'all' && categories.length === 0) problems.push('Enter at least one merchant category, or choose "All categories".');
      categories.forEach(function (c) { if (!MERCHANT_CATEGORIES.has(c)) problems.push('Unknown merchant category "' + c + '".'); });
      if (problems.length) {
        messageRegion.replaceChildren(h('div', { class: 'alert', role: 'alert' }, problems.map(function (p) { return h('p', null, p); })));
        return;
      }
      const spendingControls = {
        spending_limits: limits,
        // An empty value clears the other list, as Stripe's form encoding does.
        allowed_categories: draft.mode === 'allowed' ? categories : [],
        blocked_categories: draft.mode === 'blocked' ? categories : [],
      };
      const submit = form.querySelector('button[type="submit"]');
      submit.disabled = true;
      messageRegion.replaceChildren(h('p', { role: 'status', class: 'status' }, 'Saving…'));
      try {
        await this.updateCard({ spending_controls: spendingControls });
        this.spendDraft = null;
        this.renderSpendControls();
        this.spendMessageRegion.replaceChildren(h('p', { role: 'status', class: 'status' }, 'Spend controls saved.'));
      } catch (error) {
        submit.disabled = false;
        messageRegion.replaceChildren(h('p', { class: 'alert', role: 'alert' }, errorMessage(error, 'The spend controls could not be saved.')));
      }
    }

    setShowSpendControls() {
      this.renderTabs();
      this.renderSpendControls();
    }

    destroy() {
      this.clearReveal();
      if (this.dialog) this.dialog.remove();
      this.el.remove();
    }
  }

  // ---------------------------------------------------------------------------------------
  // <stripe-connect-issuing-cards-list>

  const CREATED_FILTERS = [['', 'Any time'], ['7', 'Last 7 days'], ['30', 'Last 30 days'], ['365', 'Last 12 months']];

  class IssuingCardsListElement extends ConnectElement {
    constructor() {
      super();
      this.issuingProgram = null;
      this.cards = [];
      this.features = {};
      this.filters = { cardholder: '', type: '', status: '', created: '' };
      this.cardView = null;
      this.listEl = null;
      this.tableRegion = null;
      this.countRegion = null;
    }

    setFetchEphemeralKeyInternalOnly(fn) {
      this.fetchEphemeralKey = typeof fn === 'function' ? fn : null;
      if (this.cardView) this.cardView.renderReveal();
    }
    setShowSpendControlsInternalOnly(value) {
      this.showSpendControls = !!value;
      if (this.cardView) this.cardView.setShowSpendControls();
    }
    // Stripe documents no behaviour for issuingProgram; it is kept for parity only.
    setIssuingProgramInternalOnly(value) { this.issuingProgram = value || null; }

    start() {
      if (this.cardView) this.cardView.destroy();
      this.cardView = null;
      return this.loadWithStates(async (isCurrent) => {
        const features = await this.componentFeatures();
        const cards = await this.connector.listAll('/v1/issuing/cards', { 'expand[]': 'data.cardholder' });
        if (!isCurrent()) return;
        this.features = features;
        this.cards = cards;
        this.renderList();
      });
    }

    filteredCards() {
      const f = this.filters;
      const since = f.created ? Date.now() / 1000 - Number(f.created) * 86400 : 0;
      return this.cards.filter(function (card) {
        const holderId = card.cardholder && typeof card.cardholder === 'object' ? card.cardholder.id : card.cardholder;
        return (!f.cardholder || holderId === f.cardholder)
          && (!f.type || card.type === f.type)
          && (!f.status || card.status === f.status)
          && (!since || card.created >= since);
      });
    }

    renderList() {
      const holders = new Map();
      for (const card of this.cards) {
        const holder = card.cardholder;
        const id = holder && typeof holder === 'object' ? holder.id : holder;
        if (id && !holders.has(id)) holders.set(id, cardholderName(card));
      }
      const sortedHolders = Array.from(holders.entries()).sort(function (a, b) { return a[1].localeCompare(b[1]); });
      const select = (label, key, options) => labelled(label,
        h('select', { onchange: (e) => { this.filters[key] = e.target.value; this.renderTable(); } },
          options.map((o) => h('option', { value: o[0], selected: this.filters[key] === o[0] }, o[1]))));
      this.tableRegion = h('div');
      this.countRegion = h('p', { class: 'muted', role: 'status' });
      this.listEl = h('section', { 'aria-label': 'Issuing cards' },
        h('div', { class: 'filters', role: 'group', 'aria-label': 'Filter cards' },
          select('Cardholder', 'cardholder', [['', 'All cardholders']].concat(sortedHolders)),
          select('Card type', 'type', [['', 'All types'], ['virtual', 'Virtual'], ['physical', 'Physical']]),
          select('Status', 'status', [['', 'All statuses'], ['active', 'Active'], ['inactive', 'Inactive'], ['canceled', 'Canceled']]),
          select('Created', 'created', CREATED_FILTERS)),
        this.countRegion,
        this.tableRegion);
      this.rootEl.replaceChildren(this.listEl);
      this.renderTable();
    }

    renderTable() {
      if (!this.tableRegion) return;
      const cards = this.filteredCards();
      const total = this.cards.length;
      this.countRegion.textContent = total === 0 ? '' : cards.length === total ? total + (total === 1 ? ' card' : ' cards') : 'Showing ' + cards.length + ' of ' + total + ' cards';
      if (total === 0) {
        this.tableRegion.replaceChildren(h('p', { class: 'state' }, 'This account has no cards yet.'));
        return;
      }
      if (cards.length === 0) {
        this.tableRegion.replaceChildren(h('p', { class: 'state' }, 'No cards match these filters.'));
        return;
      }
      const locale = this.connector.locale;
      const rows = cards.map((card) => {
        const name = cardholderName(card);
        const open = () => this.openCard(card.id);
        return h('tr', { 'data-card': card.id, onclick: (event) => { if (!event.target.closest('button')) open(); } },
          h('td', null, h('button', { type: 'button', class: 'link', 'data-open': card.id, 'aria-label': 'View card ending in ' + card.last4 + ' (' + name + ')', onclick: open }, name)),
          h('td', null, '•••• ' + card.last4),
          h('td', null, TYPE_LABELS[card.type] || humanize(card.type)),
          h('td', null, h('span', { class: 'badge ' + card.status }, STATUS_LABELS[card.status] || humanize(card.status))),
          h('td', null, card.created ? formatDate(card.created, locale) : '—'));
      });
      this.tableRegion.replaceChildren(h('table', null,
        h('caption', { class: 'visually-hidden' }, 'Issuing cards'),
        h('thead', null, h('tr', null, ['Cardholder', 'Card', 'Type', 'Status', 'Created'].map(function (c) { return h('th', { scope: 'col' }, c); }))),
        h('tbody', null, rows)));
    }

    openCard(cardId) {
      const card = this.cards.find(function (c) { return c.id === cardId; });
      if (!card) return;
      const back = h('button', { type: 'button', class: 'link', onclick: () => this.closeCard(cardId) }, '← Back to cards');
      this.cardView = new CardView({
        host: this, features: this.features, card: card, header: h('div', null, back),
        onCardChange: (updated) => {
          const index = this.cards.findIndex(function (c) { return c.id === updated.id; });
          if (index >= 0) this.cards[index] = updated;
        },
      });
      this.listEl.hidden = true;
      this.rootEl.append(this.cardView.el);
      this.cardView.focusHeading();
    }

    closeCard(cardId) {
      if (this.cardView) this.cardView.destroy();
      this.cardView = null;
      this.listEl.hidden = false;
      this.renderTable();
      const button = this.tableRegion.querySelector('button[data-open="' + cardId + '"]');
      if (button) button.focus();
    }

    rerender() {
      if (this.cardView) this.cardView.renderAll();
      else this.renderTable();
    }
  }
  IssuingCardsListElement.componentName = 'issuing_cards_list';

  // ---------------------------------------------------------------------------------------
  // <stripe-connect-issuing-card>

  class IssuingCardElement extends ConnectElement {
    constructor() {
      super();
      this.defaultCard = null;
      this.cardSwitching = true;
      this.cards = [];
      this.features = {};
      this.cardView = null;
      this.switcherRegion = h('div');
    }

    setDefaultCardInternalOnly(value) {
      const next = value || null;
      if (next === this.defaultCard) return;
      this.defaultCard = next;
      if (this.loadGeneration) this.start(); // else the scheduled first load will use it
    }
    setCardSwitchingInternalOnly(value) {
      const next = value === undefined || value === null ? true : !!value;
      if (next === this.cardSwitching) return;
      this.cardSwitching = next;
      if (this.loadGeneration) this.start(); // the list of cards is loaded only when switching is on
    }
    setFetchEphemeralKeyInternalOnly(fn) {
      this.fetchEphemeralKey = typeof fn === 'function' ? fn : null;
      if (this.cardView) this.cardView.renderReveal();
    }
    setShowSpendControlsInternalOnly(value) {
      this.showSpendControls = !!value;
      if (this.cardView) this.cardView.setShowSpendControls();
    }

    start() {
      if (this.cardView) this.cardView.destroy();
      this.cardView = null;
      return this.loadWithStates(async (isCurrent) => {
        this.features = await this.componentFeatures();
        let card = null;
        if (this.cardSwitching) {
          const cards = await this.connector.listAll('/v1/issuing/cards', { 'expand[]': 'data.cardholder' });
          if (!isCurrent()) return;
          this.cards = cards;
          card = this.defaultCard ? this.cards.find((c) => c.id === this.defaultCard) || null : this.cards[0] || null;
        }
        if (!card && this.defaultCard) {
          card = await this.connector.api('GET', '/v1/issuing/cards/' + encodeURIComponent(this.defaultCard), { 'expand[]': 'cardholder' });
          if (!isCurrent()) return;
          if (this.cardSwitching && !this.cards.some(function (c) { return c.id === card.id; })) this.cards.unshift(card);
        }
        if (!card && !this.cardSwitching) {
          const first = await this.connector.api('GET', '/v1/issuing/cards', { limit: 1, 'expand[]': 'data.cardholder' });
          if (!isCurrent()) return;
          card = first && first.data && first.data[0] ? first.data[0] : null;
        }
        if (!isCurrent()) return;
        if (!card) {
          this.rootEl.replaceChildren(h('p', { class: 'state' }, 'This account has no cards yet.'));
          return;
        }
        this.cardView = new CardView({
          host: this, features: this.features, card: card, header: this.switcherRegion,
          onCardChange: (updated) => {
            const index = this.cards.findIndex(function (c) { return c.id === updated.id; });
            if (index >= 0) this.cards[index] = updated;
            this.renderSwitcher();
          },
        });
        this.renderSwitcher();
        this.rootEl.replaceChildren(this.cardView.el);
      });
    }

    renderSwitcher() {
      if (!this.cardSwitching || !this.cardView || this.cards.length === 0) {
        this.switcherRegion.replaceChildren();
        return;
      }
      const current = this.cardView.card.id;
      const select = h('select', {
        onchange: async (event) => {
          const card = this.cards.find(function (c) { return c.id === event.target.value; });
          if (card) this.cardView.setCard(card);
        },
      }, this.cards.map(function (card) {
        return h('option', { value: card.id, selected: card.id === current },
          cardholderName(card) + ' •••• ' + card.last4 + ' (' + (TYPE_LABELS[card.type] || card.type) + ', ' + (STATUS_LABELS[card.status] || card.status).toLowerCase() + ')');
      }));
      const hadFocus = this.shadow.activeElement && this.switcherRegion.contains(this.shadow.activeElement);
      this.switcherRegion.replaceChildren(labelled('Card', select));
      if (hadFocus) select.focus();
    }

    rerender() {
      if (this.cardView) this.cardView.renderAll();
    }
  }
  IssuingCardElement.componentName = 'issuing_card';

  if (!customElements.get('stripe-connect-issuing-cards-list')) customElements.define('stripe-connect-issuing-cards-list', IssuingCardsListElement);
  if (!customElements.get('stripe-connect-issuing-card')) customElements.define('stripe-connect-issuing-card', IssuingCardElement);

  // ---------------------------------------------------------------------------------------
  // window.StripeConnect

  function init(params) {
    if (!params || typeof params !== 'object') throw new Error('StripeConnect.init expects an options object.');
    if (typeof params.publishableKey !== 'string' || !/^pk_/.test(params.publishableKey)) {
      throw new Error('StripeConnect.init: publishableKey must be a publishable key (pk_…).');
    }
    if (typeof params.fetchClientSecret !== 'function') {
      throw new Error('StripeConnect.init: fetchClientSecret must be a function returning the Account Session client secret.');
    }
    const connector = new Connector(params);
    return {
      connect: connector,
      update: function (options) { connector.update(options); },
      logout: function () { return connector.logout(); },
      // Plain script use (without @stripe/connect-js): create an element already connected.
      create: function (tagName) {
        const element = document.createElement(tagName.indexOf('stripe-connect-') === 0 ? tagName : 'stripe-connect-' + tagName);
        if (typeof element.setConnector === 'function') element.setConnector(connector);
        return element;
      },
    };
  }

  const existing = window.StripeConnect && typeof window.StripeConnect === 'object' ? window.StripeConnect : {};
  window.StripeConnect = Object.assign(existing, { init: init, __emulator: true });
})();
