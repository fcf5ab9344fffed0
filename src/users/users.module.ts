import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BulkUsersService } from './bulk-users.service';
import { ChangeFeedRepository } from './change-feed.repository';
import { ChangeFeedService } from './change-feed.service';
import { ChangeEventEntity } from './entities/change-event.entity';
import { GroupMembershipEntity } from './entities/group-membership.entity';
import { GroupEntity } from './entities/group.entity';
import { UserEntity } from './entities/user.entity';
import { GroupsRepository } from './groups.repository';
import { GroupsService } from './groups.service';
import { LastAdminGuard } from './last-admin.guard';
import { UsersController } from './users.controller';
import { UsersGrpcController } from './users.grpc.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/**
 * Users, groups, memberships and the change feed. Other modules use the exported services
 * (sign-in: UsersService; directory sync: BulkUsersService + LastAdminGuard; anything that must
 * tell core about a change: ChangeFeedService.append), never the repositories.
 */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, GroupEntity, GroupMembershipEntity, ChangeEventEntity])],
  controllers: [UsersController, UsersGrpcController],
  providers: [UsersRepository, GroupsRepository, ChangeFeedRepository, UsersService, GroupsService, BulkUsersService, ChangeFeedService, LastAdminGuard],
  exports: [UsersService, GroupsService, BulkUsersService, ChangeFeedService, LastAdminGuard],
})
export class UsersModule {}
