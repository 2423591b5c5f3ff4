// The GraphQL documents the scenarios send, shared by the k6 scripts and `npm run perf:local` (which
// drives the same shapes locally). A unit test validates each against the project's schema.

export const PROFILE_VIEW = `query($slug: String!) { publicProfile(slug: $slug) { id slug role roles displayName headline bio city cityName
  verified instantBook tags languages priceBand { minCents maxCents currency label } packages { name durationMinutes priceCents extras }
  cancellationPolicy reschedulePolicy avatar { id variants { name url width height } }
  portfolio { id alt width height variants { name url width height format } } seo { canonicalUrl title description jsonLd } } }`;

export const STUDIO_VIEW = `query($slug: String!) { publicStudio(slug: $slug) { id slug name description city cityName amenities
  hourlyMinCents hourlyMaxCents depositCents currency verified instantBook
  photos { id alt width height variants { name url width height format } } seo { canonicalUrl title description jsonLd } } }`;

export const BOOKING_SLOTS = `query($input: BookingSlotsInput!) { bookingSlots(input: $input) {
  timezone durationMinutes slots { startsAt endsAt } } }`;

export const BOOKING_TERMS = `query($id: ID!) { bookingTerms(resourceId: $id) { resourceId instantBook timezone
  minDurationMinutes granularityMinutes minNoticeMinutes cancellationPolicy cancellationTerms } }`;

export const LISTING_REVIEWS = `query($id: ID!, $first: Int) { listingReviews(listingId: $id, first: $first) {
  listingId count average distribution { rating count } reviews { id rating body createdAt } } }`;

export const CITIES = `query { cities { code name countryCode timezone status launchedAt } }`;

export const FEATURE_FLAGS = `query($city: ID!) { featureFlags(city: $city) { key enabled description updatedAt } }`;

export const SEARCH = `query($input: SearchListingsInput!) { searchListings(input: $input) {
  items { slug title role city priceMinCents priceMaxCents verified coverUrl } nextCursor engine } }`;

export const SUGGESTIONS = `query($prefix: String!) { searchSuggestions(prefix: $prefix, first: 8) { text kind } }`;

export const CHECKOUT_QUOTE = `query($input: CheckoutQuoteInput!) { checkoutQuote(input: $input) {
  quoteId totalCents taxCents platformFeeCents currency expiresAt } }`;

export const INBOX = `query { myInbox(limit: 30) { items { threadId kind status } nextCursor } }`;

export const THREAD = `query($t: ID!) { threadMessages(threadId: $t, limit: 30) { items { messageId body createdAt } nextCursor } }`;
