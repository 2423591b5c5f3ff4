// Types of queries.js (plain JS so k6 can import it).
export const PROFILE_VIEW: string;
export const STUDIO_VIEW: string;
export const BOOKING_SLOTS: string;
export const BOOKING_TERMS: string;
export const LISTING_REVIEWS: string;
export const CITIES: string;
export const FEATURE_FLAGS: string;
export const SEARCH: string;
export const SUGGESTIONS: string;
export const CHECKOUT_QUOTE: string;
export const INBOX: string;
export const THREAD: string;
