import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { GroupListQueryDto, UserListQueryDto } from './dto/user-list-query.dto';
import { GroupsService } from './groups.service';
import { UsersService } from './users.service';

/** Read-only admin views of users and groups (writes go through core over gRPC). */
@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly groups: GroupsService,
  ) {}

  @Get('user')
  @ApiOperation({ summary: 'Users in username order, paginated, filtered by is_active and source' })
  async listUsers(@Query() query: UserListQueryDto) {
    const page = await this.users.listUsers(query);
    return { users: page.items, next_page_token: page.next_page_token };
  }

  @Get('group')
  @ApiOperation({ summary: 'Groups in name order, paginated, filtered by is_admin' })
  async listGroups(@Query() query: GroupListQueryDto) {
    const page = await this.groups.listGroups(query);
    return { groups: page.items, next_page_token: page.next_page_token };
  }
}
