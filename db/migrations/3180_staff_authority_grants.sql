-- Up Migration
-- Just-in-time elevation honoured everywhere (NTB-ADMIN-001, issue 16): every domain Lambda with a
-- staff-only operation asks the staff domain's StaffAuthority (lambdas/staff/staff-authority.ts), which
-- reads the grants in force at the time of the call over that Lambda's own connection. Column grants on
-- exactly what that query reads: not the proposal a grant came from (staff's business).
GRANT SELECT (user_id, role, granted_at, expires_at) ON staff_role_grants
  TO rastup_auth, rastup_dmca, rastup_media, rastup_payments, rastup_platform, rastup_profiles;

-- Down Migration
REVOKE SELECT (user_id, role, granted_at, expires_at) ON staff_role_grants
  FROM rastup_auth, rastup_dmca, rastup_media, rastup_payments, rastup_platform, rastup_profiles;
