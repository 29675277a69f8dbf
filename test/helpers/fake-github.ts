/**
 * The GitHub stand-in the promotion and report tests run against; it lives in the product code
 * (scripts/lib/github/stand-in.ts) because `npm run sandbox` runs the real commands against it.
 */
export {
  GitHubStandIn as FakeGitHub,
  type Fault,
  type RecordedRequest,
  type StandInComment as FakeComment,
  type StandInPull as FakePull,
} from '../../scripts/lib/github/stand-in.js';
