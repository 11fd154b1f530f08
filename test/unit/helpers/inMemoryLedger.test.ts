import { InMemoryLedger } from '../../helpers/fakes/inMemoryLedger';
import { describeLedgerContract } from '../../helpers/ledgerContract';

describeLedgerContract('InMemoryLedger', () => new InMemoryLedger());
